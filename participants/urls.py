from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("new/", views.participant_create, name="create"),
    path("transfer/", views.caseload_transfer, name="transfer"),
    path("retention/", views.retention_schedule, name="retention"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/edit/", views.participant_edit, name="edit"),
    path("<int:pk>/assign/", views.participant_assign, name="assign"),
    path("<int:pk>/unassign/", views.participant_unassign, name="unassign"),
    path("<int:pk>/reassign/", views.participant_reassign, name="reassign"),
    path("<int:pk>/contacts/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/legal-hold/", views.participant_legal_hold, name="legal_hold"),
    path("<int:pk>/close/", views.participant_close, name="close"),
    path("<int:pk>/reopen/", views.participant_reopen, name="reopen"),
]
