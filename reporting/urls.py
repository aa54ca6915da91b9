"""Reports for the steering group: each subject keeps its URLs in ``subject_urls/``."""

from .subject_urls import exports, pdfs, report

app_name = "reporting"

urlpatterns = [*report.urlpatterns, *pdfs.urlpatterns, *exports.urlpatterns]
