"""URL lists of the reporting subjects, one module each."""
