"""URLs that read like the domain (docs/urls.md): a participant's pages, whichever app serves
them, live under ``/participants/<pk>/``; the participant is always ``pk`` and anything
under it ``<thing>_pk``; each of those pages carries the participant navigation once."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .test_permission_matrix import MATRIX

PARTICIPANT = "participants/<int:pk>/"
# The apps whose pages are about one participant, or lists of participants.
CASE_APPS = ("participants", "consent", "plans")
# Case-app URLs that are no participant's page: lists, the case worker's own pages, and
# the participant's public self-rating link (no login, the token is the key).
NOT_A_PARTICIPANT_PAGE = {
    "participants:list",
    "participants:create",
    "participants:transfer",
    "participants:retention",
    "participants:activity_list",
    "participants:activity_create",
    "plans:dashboard",
    "plans:reminders",
    "plans:reminders_read",
    "plans:self_rating_fill",
    "plans:calendar",
    "plans:calendar_feed_settings",
    "plans:calendar_feed",
}


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """(name, full route) of every named URL, with its namespace and every include's prefix."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route


def case_routes() -> Iterator[tuple[str, str]]:
    for name, route in routes():
        if name.split(":")[0] in CASE_APPS and name not in NOT_A_PARTICIPANT_PAGE:
            yield name, route


def test_every_participant_page_is_under_participants_pk():
    found = dict(case_routes())
    assert len(found) > 40, found  # the walk reached consent and plans, not only participants
    stray = {name: route for name, route in found.items() if not route.startswith(PARTICIPANT)}
    assert not stray, f"participant pages outside /participants/<pk>/: {stray}"


def test_the_participant_is_pk_and_what_is_under_it_is_thing_pk():
    for name, route in case_routes():
        arguments = re.findall(r"<(?:\w+:)?(\w+)>", route)
        assert arguments[0] == "pk", (name, route)
        wrong = [a for a in arguments[1:] if not a.endswith("_pk") or a == "pk"]
        assert not wrong, (name, route, wrong)


def test_no_other_url_takes_a_participant():
    """Outside /participants/<pk>/ no case-app URL names an object (only the public token)."""
    for name, route in routes():
        if name in NOT_A_PARTICIPANT_PAGE:
            arguments = re.findall(r"<(?:\w+:)?(\w+)>", route)
            assert arguments in ([], ["token"]), (name, route)


def test_reverse_gives_the_participant_path():
    assert reverse("plans:plan", kwargs={"pk": 7}) == "/participants/7/plan/"
    assert reverse("consent:list", kwargs={"pk": 7}) == "/participants/7/consents/"
    assert (
        reverse("plans:meeting_detail", kwargs={"pk": 7, "meeting_pk": 3})
        == "/participants/7/meetings/3/"
    )


DOWNLOADS = {
    "consent:scan",
    "consent:export_json",
    "consent:export_pdf_download",
    "plans:document_download",
}
PAGES = [
    name
    for name, route in case_routes()
    if name not in DOWNLOADS and MATRIX[name].expect.get("GET", {}).get("alice") == 200
]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", PAGES)
def test_every_participant_page_has_the_navigation_and_one_back_link(
    url_name, request, persona_client
):
    row = MATRIX[url_name]
    url = reverse(url_name, kwargs=row.kwargs(request.getfixturevalue))
    response = persona_client("alice").get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert page.count('<ul class="nav nav-pills flex-wrap gap-1">') == 1, url
    assert len(re.findall(r">← ", page)) == 1, url


@pytest.mark.django_db
def test_the_navigation_marks_the_part_the_page_is_under(request, persona_client):
    row = MATRIX["plans:goal_edit"]
    url = reverse("plans:goal_edit", kwargs=row.kwargs(request.getfixturevalue))
    page = persona_client("alice").get(url).content.decode()
    plan = reverse("plans:plan", kwargs={"pk": row.kwargs(request.getfixturevalue)["pk"]})
    assert f'active" aria-current="page" href="{plan}"' in page
    assert page.count('active" aria-current="page"') == 1


@pytest.mark.django_db
def test_a_sub_object_under_another_participants_url_is_404(request, persona_client):
    """tess leads the team and may see both participants: the meeting still answers only under
    its own participant's URL."""
    from tests.plans.helpers_meetings import meeting_of

    meeting = meeting_of(request.getfixturevalue)
    other = MATRIX["participants:detail"].kwargs(request.getfixturevalue)["pk"]
    assert other != meeting.participant_id
    client = persona_client("tess")
    own = {"pk": meeting.participant_id, "meeting_pk": meeting.pk}
    assert client.get(reverse("plans:meeting_detail", kwargs=own)).status_code == 200
    assert client.get(reverse("participants:detail", kwargs={"pk": other})).status_code == 200
    wrong = {"pk": other, "meeting_pk": meeting.pk}
    assert client.get(reverse("plans:meeting_detail", kwargs=wrong)).status_code == 404
    assert client.post(reverse("plans:meeting_cancel", kwargs=wrong)).status_code == 404
