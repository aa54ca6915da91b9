from django.urls import path

from plans.views import crisis_plan as views

urlpatterns = [
    path("participant/<int:participant_pk>/crisis-plan/", views.crisis_plan, name="crisis_plan"),
    path(
        "participant/<int:participant_pk>/crisis-plan/edit/",
        views.crisis_plan_edit,
        name="crisis_plan_edit",
    ),
    path(
        "participant/<int:participant_pk>/crisis-plan/establish/",
        views.crisis_plan_establish,
        name="crisis_plan_establish",
    ),
    path(
        "participant/<int:participant_pk>/crisis-plan/history/",
        views.crisis_plan_history_view,
        name="crisis_plan_history",
    ),
]
