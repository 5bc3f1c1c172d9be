"""Identity and security: who a person is on one host, and how they prove it.

Installed in the public schema (operators, trust leads) and in every school's schema (staff),
so an account belongs to exactly one host.
"""
