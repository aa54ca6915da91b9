"""The on-screen steering-group report."""

from django.urls import path

from reporting.views import report

urlpatterns = [
    path("", report.report, name="report"),
]
