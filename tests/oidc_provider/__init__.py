"""A real OpenID Connect provider for the tests (django-oauth-toolkit), run as its own
Django project in a subprocess on 127.0.0.1 with its own SQLite database and an RSA key
made for the test session. Never part of the portal.

Its users' names choose what the provider does wrong on purpose (see ``validator.py``):
``charlie`` logs in with a password only, ``charlie.mfa`` with multi-factor authentication
asserted, ``charlie.aud`` gets an ID token for another audience, and so on.
"""
