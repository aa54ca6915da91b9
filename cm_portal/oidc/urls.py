from django.urls import path

from . import views

app_name = "oidc"

urlpatterns = [
    path("accounts/oidc/callback/", views.callback, name="callback"),
    path("accounts/logged-out/", views.logged_out, name="logged_out"),
    path("administration/identity-providers/", views.provider_list, name="providers"),
    path(
        "administration/identity-providers/<slug:slug>/",
        views.provider_edit,
        name="provider_edit",
    ),
]
