from django.urls import path

from plans.views import dashboard as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/read/", views.reminders_read, name="reminders_read"),
]
