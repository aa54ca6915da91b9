from django.urls import path

from ..views import meetings as views

urlpatterns = [
    path("participant/<int:participant_pk>/meetings/", views.meeting_list, name="meetings"),
    path(
        "participant/<int:participant_pk>/meetings/new/",
        views.meeting_create,
        name="meeting_create",
    ),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/invitation/", views.meeting_invitation, name="meeting_invitation"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
]
