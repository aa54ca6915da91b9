"""The administrators' pages for programmes and their goals."""

from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_create_view, name="create"),
    path("<int:pk>/", views.programme_edit, name="edit"),
    path("<int:pk>/goals/", views.programme_goal, name="goal"),
    path("<int:pk>/goals/remove/", views.programme_goal_remove_view, name="goal_remove"),
]
