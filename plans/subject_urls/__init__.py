"""URL lists by subject, joined in ``plans/urls.py``."""
