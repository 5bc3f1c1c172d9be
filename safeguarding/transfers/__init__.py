"""Record transfer: a child's safeguarding file sent to their next school (KCSIE)."""
