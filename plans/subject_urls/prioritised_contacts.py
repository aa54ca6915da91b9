from django.urls import path

from plans.views import prioritised_contacts as views

BASE = "participant/<int:participant_pk>/prioritised-contacts/"

urlpatterns = [
    path(BASE, views.prioritised_contacts, name="prioritised_contacts"),
    path(
        f"{BASE}<int:contact_pk>/", views.prioritised_contact_edit, name="prioritised_contact_edit"
    ),
]
