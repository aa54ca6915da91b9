"""The plans app's URLs.

``participant_patterns`` are a participant's pages: ``cm_portal/urls.py`` mounts them under
``participants/<int:pk>/`` (the participant is ``pk``, a sub-object ``<thing>_pk``).
``urlpatterns`` are the case worker's own pages and the participant's public self-rating link,
mounted under ``plans/``.
"""

from django.urls import path

from .views import (
    calendar,
    crisis_plan,
    dashboard,
    documents,
    individual_plan,
    meetings,
    prioritised_contacts,
    self_ratings,
)

app_name = "plans"

PLAN = "plan/"
CONTACTS = "prioritised-contacts/"
CRISIS = "crisis-plan/"
RATINGS = "self-ratings/"
MEETING = "meetings/<int:meeting_pk>/"
DOCUMENT = "documents/<int:document_pk>/"

participant_patterns = [
    # The individual plan and its goals.
    path(PLAN, individual_plan.plan_detail, name="plan"),
    path(f"{PLAN}goals/new/", individual_plan.goal_create, name="goal_create"),
    path(f"{PLAN}goals/<int:goal_pk>/", individual_plan.goal_edit, name="goal_edit"),
    path(f"{PLAN}goals/<int:goal_pk>/delete/", individual_plan.goal_delete, name="goal_delete"),
    path(f"{PLAN}contact-paths/", individual_plan.contact_paths, name="contact_paths"),
    path(f"{PLAN}establish/", individual_plan.plan_establish, name="plan_establish"),
    path(f"{PLAN}history/", individual_plan.plan_history, name="plan_history"),
    # Prioritised contacts.
    path(CONTACTS, prioritised_contacts.prioritised_contacts, name="prioritised_contacts"),
    path(
        f"{CONTACTS}<int:contact_pk>/",
        prioritised_contacts.prioritised_contact_edit,
        name="prioritised_contact_edit",
    ),
    # The crisis and safety plan.
    path(CRISIS, crisis_plan.crisis_plan, name="crisis_plan"),
    path(f"{CRISIS}edit/", crisis_plan.crisis_plan_edit, name="crisis_plan_edit"),
    path(f"{CRISIS}establish/", crisis_plan.crisis_plan_establish, name="crisis_plan_establish"),
    path(f"{CRISIS}history/", crisis_plan.crisis_plan_history_view, name="crisis_plan_history"),
    # Self-ratings and the links that let the participant fill one in.
    path(RATINGS, self_ratings.self_ratings, name="self_ratings"),
    path(f"{RATINGS}link/", self_ratings.self_rating_link_create, name="self_rating_link_create"),
    path(f"{RATINGS}link/<int:link_pk>/", self_ratings.self_rating_link, name="self_rating_link"),
    # Coordination meetings.
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/offers/new/", meetings.offer_create, name="meeting_offer_create"),
    path(MEETING, meetings.meeting_detail, name="meeting_detail"),
    path(f"{MEETING}invitation/", meetings.meeting_invitation, name="meeting_invitation"),
    path(
        f"{MEETING}invitation/send/",
        meetings.meeting_invitation_send,
        name="meeting_invitation_send",
    ),
    path(f"{MEETING}preparation/", meetings.meeting_preparation, name="meeting_preparation"),
    path(f"{MEETING}minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path(f"{MEETING}cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    # The PDFs: "Min plan" and a meeting's invitation letter.
    path("my-plan/", documents.my_plan_request, name="my_plan_request"),
    path(
        f"{MEETING}invitation-letter/",
        documents.invitation_letter_request,
        name="invitation_letter_request",
    ),
    path(f"{MEETING}minutes-pdf/", documents.minutes_pdf_request, name="minutes_pdf_request"),
    path(DOCUMENT, documents.document_status, name="document_status"),
    path(f"{DOCUMENT}download/", documents.document_download, name="document_download"),
]

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("reminders/", dashboard.reminders, name="reminders"),
    path("reminders/read/", dashboard.reminders_read, name="reminders_read"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/feed/", calendar.calendar_feed_settings, name="calendar_feed_settings"),
    # The personal feed: no login (a calendar program cannot), the secret link is the key.
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    # The participant's own link: no login, so not under the participant's staff pages.
    path("rate/<str:token>/", self_ratings.self_rating_fill, name="self_rating_fill"),
]
