"""Roles, their levels per category, need-to-know grants, and the one access policy."""
