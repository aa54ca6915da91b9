"""The project's URLs plus the Django admin, for the bench's reference list only."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from participants.models import Participant


class BenchAdminSite(admin.AdminSite):
    """Our staff accounts have no ``is_staff``: a superuser may use this reference admin."""

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


site = BenchAdminSite(name="admin")


@admin.register(Participant, site=site)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "organisation",
        "intervention_start",
        "intervention_end",
        "end_reason_code",
    )
    list_select_related = ("organisation",)
    list_per_page = 25


urlpatterns = [
    path("admin/", site.urls),
    path("", include("cm_portal.urls")),
]
