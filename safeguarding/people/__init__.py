"""Pupils, their guardians, staff profiles and groups (year groups, forms, teaching groups)."""
