"""The plan sections of the case-file format, one module a subject."""
