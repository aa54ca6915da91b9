"""The plans app's URLs: each subject keeps its own list in ``plans/subject_urls/``."""

from .subject_urls import (
    crisis_plan,
    dashboard,
    documents,
    individual_plan,
    meetings,
    prioritised_contacts,
    self_ratings,
)

app_name = "plans"

urlpatterns = [
    *individual_plan.urlpatterns,
    *prioritised_contacts.urlpatterns,
    *crisis_plan.urlpatterns,
    *self_ratings.urlpatterns,
    *meetings.urlpatterns,
    *documents.urlpatterns,
    *dashboard.urlpatterns,
]
