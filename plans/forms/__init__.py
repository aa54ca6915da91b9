"""Plan forms, one module a subject."""
