"""Reading a school's MIS export (SIMS or Arbor reports saved as CSV) into checked rows.

This is the first, pure layer of the MIS import: it parses and validates, and writes nothing.
Applying the rows to pupils, guardians, staff and groups is a later layer.
"""
