"""Who looked at or changed what, kept append-only and hash-chained in each school's schema."""
