"""Reporting URLs: exports."""

urlpatterns: list = []
