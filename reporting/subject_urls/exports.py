"""Reporting URLs: the CSV exports (the period in the query, e.g. ?kind=project_quarter&n=3)."""

from django.urls import path

from reporting.views import exports

urlpatterns: list = [
    path("export/statistics.csv", exports.export_csv, name="export_csv"),
    path("export/account.csv", exports.export_account_csv, name="export_account_csv"),
]
