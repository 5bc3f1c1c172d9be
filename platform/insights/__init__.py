"""The trust layer: anonymised aggregate facts about schools, kept in the public schema.

The only code allowed to read across school schemas lives here, and it writes counts only.
"""
