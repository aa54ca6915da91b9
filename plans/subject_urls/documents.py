from django.urls import path

from plans.views import documents as views

urlpatterns = [
    path(
        "participant/<int:participant_pk>/my-plan/",
        views.my_plan_request,
        name="my_plan_request",
    ),
    path(
        "meetings/<int:pk>/invitation-letter/",
        views.invitation_letter_request,
        name="invitation_letter_request",
    ),
    path("documents/<int:pk>/", views.document_status, name="document_status"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
