"""Records leaving Haven: a pupil's chronology as PDF or CSV, limited to what the person
exporting may see, every export (and every refused one) in the audit log."""
