"""Plan pages, one module a subject; ``plans/urls.py`` joins their URL lists."""
