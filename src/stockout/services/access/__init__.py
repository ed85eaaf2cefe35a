"""Who may ask what: principals with their roles, and bearer tokens."""
