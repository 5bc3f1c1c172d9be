"""Alert rules, notifications and the inbox, the DSL roster, escalation and reminders."""
