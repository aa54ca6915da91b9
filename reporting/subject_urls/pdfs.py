"""Reporting URLs: pdfs."""

urlpatterns: list = []
