"""Plans, subscriptions, usage snapshots, invoices and dunning, in the public schema.

Billing may make a school read-only; it never deletes a school's records.
"""
