"""Research data: the researchers' page and the administrators' agreement pages."""

from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("", views.research_home, name="home"),
    path("agreements/<int:pk>/export/", views.export_request, name="export_request"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
]
