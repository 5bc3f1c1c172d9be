"""The platform operators' side: onboarding and lifecycle of schools, by API and CLI.

Served only on the platform host. Operators see schools' names, status and counts, never
anything recorded about a child.
"""
