from django.urls import path

from plans.views import individual_plan as views

PLAN = "participant/<int:participant_pk>/plan/"

urlpatterns = [
    path(PLAN, views.plan_detail, name="plan"),
    path(f"{PLAN}goals/new/", views.goal_create, name="goal_create"),
    path(f"{PLAN}goals/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path(f"{PLAN}goals/<int:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path(f"{PLAN}contact-paths/", views.contact_paths, name="contact_paths"),
    path(f"{PLAN}establish/", views.plan_establish, name="plan_establish"),
    path(f"{PLAN}history/", views.plan_history, name="plan_history"),
]
