"""How long a school keeps a child's records, legal holds, and the purge once a DSL agrees."""
