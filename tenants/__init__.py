"""The tenant registry and its mechanics: trusts, schools, domains, onboarding and lifecycle.

Everything here runs in the public schema or says in its name that it crosses schools.
"""
