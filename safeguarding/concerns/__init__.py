"""Categories, agencies, incidents, actions, body maps, attachments and chronology."""
