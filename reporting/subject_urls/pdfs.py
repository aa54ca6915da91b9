from django.urls import path

from reporting.views import pdfs as views

urlpatterns = [
    path("pdfs/", views.pdf_list, name="pdf_list"),
    path("pdfs/new/", views.pdf_request, name="pdf_request"),
    path("pdfs/<int:pk>/download/", views.pdf_download, name="pdf_download"),
]
