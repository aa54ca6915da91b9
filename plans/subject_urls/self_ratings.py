from django.urls import path

from plans.views import self_ratings as views

urlpatterns = [
    path("participant/<int:participant_pk>/self-ratings/", views.self_ratings, name="self_ratings"),
    path(
        "participant/<int:participant_pk>/self-ratings/link/",
        views.self_rating_link_create,
        name="self_rating_link_create",
    ),
    path(
        "participant/<int:participant_pk>/self-ratings/link/<int:link_pk>/",
        views.self_rating_link,
        name="self_rating_link",
    ),
    path("rate/<str:token>/", views.self_rating_fill, name="self_rating_fill"),
]
