"""Reporting URLs: report."""

urlpatterns: list = []
