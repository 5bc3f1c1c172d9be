"""Everything inside one school, in that school's own schema (TENANT_APPS).

It will hold these Django apps, each importing as `safeguarding.<name>`: people (pupils,
guardians, staff, groups), concerns (categories, incidents, actions, chronology), access (the
one policy that decides every read), alerts, records (exports), audit and imports.
"""
