"""A school's roll from its MIS: SIMS or Arbor exports (CSV), API upserts by a service token,
and nightly syncs from a MIS data provider. Every import is checked first (a dry run that
writes only the check), then applied in one transaction once someone confirms it.

- reading: CSV bytes, or the API's records, into checked rows; writes nothing.
- planning: what those rows would change against the roll as it is now.
- services: keeping a check (an ImportRun), applying it, discarding it.
"""
