"""The researcher's page, asking for an export and downloading it; the administrator's
agreement pages; the steering report's research-consent count; the researcher reaches no
case page."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from cm_portal.models import AccessEvent
from reporting.research.models import ResearchAgreement, ResearchExport
from tests.conftest import _staff, verified_client
from tests.factories import default_programme
from tests.participants.factories import register

from .helpers import agreement_for, ready_export, research_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(rita):
    return agreement_for(rita, k=3)


@pytest.fixture
def other_researcher(district):
    return _staff("olle@mchs.example", "Olle Other", district, "researcher")


def test_the_researcher_sees_her_agreement_and_another_researcher_does_not(
    agreement, rita, other_researcher
):
    page = verified_client(rita).get(reverse("research:home")).content.decode()
    assert agreement.approval_reference in page
    other = verified_client(other_researcher).get(reverse("research:home")).content.decode()
    assert agreement.approval_reference not in other


def test_asking_for_an_export_queues_one(agreement, rita):
    url = reverse("research:export_request", kwargs={"pk": agreement.pk})
    response = verified_client(rita).post(url, {"format": "dta"})
    assert response.status_code == 302
    export = ResearchExport.objects.get()
    assert (export.agreement, export.format, export.requested_by) == (agreement, "dta", rita)


def test_an_expired_agreement_refuses_the_request(agreement, rita):
    ResearchAgreement.objects.filter(pk=agreement.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    url = reverse("research:export_request", kwargs={"pk": agreement.pk})
    response = verified_client(rita).post(url, {"format": "csv"}, follow=True)
    assert not ResearchExport.objects.exists()
    assert "expired" in response.content.decode() or "gått ut" in response.content.decode()


def test_another_researcher_gets_404_for_the_agreement_and_its_exports(
    agreement, rita, other_researcher
):
    export = ready_export(agreement, rita)
    client = verified_client(other_researcher)
    request = reverse("research:export_request", kwargs={"pk": agreement.pk})
    assert client.post(request, {"format": "csv"}).status_code == 404
    download = reverse("research:export_download", kwargs={"pk": export.pk})
    assert client.get(download).status_code == 404
    assert ResearchExport.objects.count() == 1


def test_the_download_is_a_logged_zip_and_stops_when_the_agreement_expires(agreement, rita):
    export = ready_export(agreement, rita, content=b"PK\x05\x06" + b"\0" * 18)
    url = reverse("research:export_download", kwargs={"pk": export.pk})
    client = verified_client(rita)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert zipfile.ZipFile(BytesIO(response.content)).namelist() == []
    assert AccessEvent.objects.filter(
        actor=rita, object_type="research_agreement", detail__contains="downloaded"
    ).exists()
    ResearchAgreement.objects.filter(pk=agreement.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(url).status_code == 404


def test_the_researcher_gets_404_on_every_case_page(rita, alice, hela_manniskan):
    """Every URL of a participant's pages (those that take the participant's pk and that
    the assigned case manager reaches) answers the researcher 404, as for a missing one."""
    from tests.test_permission_matrix import MATRIX

    participant = register(hela_manniskan, alice)
    research_consent(participant, alice)  # a research consent opens no case page
    client = verified_client(rita)
    checked = 0
    for name, row in MATRIX.items():
        expected = row.expect.get("GET", {})
        if not name.startswith(("participants:", "plans:", "consent:")):
            continue
        if expected.get("alice") != 200 or expected.get("rita") is None:
            continue
        from django.urls import NoReverseMatch

        try:
            url = reverse(name, kwargs={"pk": participant.pk})
        except NoReverseMatch:
            continue  # a page of something else (a consent, a meeting): its own rows say 404
        assert client.get(url).status_code == 404, name
        checked += 1
    assert checked >= 10


def agreement_form(researcher, **values) -> dict:
    """The agreement form as the administrator fills it in, naming ``researcher``."""
    return {
        "programme": default_programme().pk,
        "institution": "Marie Cederschiöld högskola",
        "researchers": [researcher.pk],
        "purpose": "Följeforskning",
        "approval_reference": "Dnr 2026-777",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **values,
    }


def test_the_administrator_records_an_agreement_and_never_sees_the_secret(ada, rita):
    client = verified_client(ada)
    form = client.get(reverse("research:agreement_create")).content.decode()
    assert "secret" not in form
    response = client.post(reverse("research:agreement_create"), agreement_form(rita, k="2"))
    assert response.status_code == 200  # k below 3 is refused
    assert not ResearchAgreement.objects.exists()
    response = client.post(reverse("research:agreement_create"), agreement_form(rita))
    agreement = ResearchAgreement.objects.get()
    assert agreement.k == 5  # the default
    assert list(agreement.researchers.all()) == [rita]
    listing = client.get(reverse("research:agreements")).content.decode()
    assert "Dnr 2026-777" in listing
    assert agreement.secret_sealed not in listing


def test_a_case_manager_cannot_be_named_a_researcher(ada, alice):
    response = verified_client(ada).post(
        reverse("research:agreement_create"),
        agreement_form(alice, institution="X", purpose="Y", approval_reference="Z", k="5"),
    )
    assert response.status_code == 200
    assert not ResearchAgreement.objects.exists()


def test_the_steering_report_counts_the_research_consents(steve, alice, hela_manniskan):
    start = timezone.localdate() - timedelta(days=30)
    consenting = [register(hela_manniskan, alice, intervention_start=start) for _ in range(3)]
    for participant in consenting:
        research_consent(participant, alice)
    register(hela_manniskan, alice, intervention_start=start)  # no consent
    withdrawn = research_consent(register(hela_manniskan, alice, intervention_start=start), alice)
    from consent.services import consent_withdraw

    consent_withdraw(
        consent=withdrawn,
        withdrawn_on=timezone.localdate(),
        by_whom="participant",
        actor=alice,
    )

    from reporting import periods
    from reporting.selectors import research_consents

    today = timezone.localdate()
    counted = research_consents(
        programme=default_programme(),
        period=periods.custom(start, today),
        organisation=None,
        today=today,
    )
    assert (counted.on, counted.count) == (today, 3)
    page = (
        verified_client(steve)
        .get(reverse("reporting:report"), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Participants with a valid consent to the follow-up research on" in page


def test_the_research_consents_are_counted_per_programme(steve, alice, hela_manniskan, district):
    from cm_portal.programmes.services import programme_create
    from reporting import periods
    from reporting.selectors import research_consents

    start = timezone.localdate() - timedelta(days=30)
    other = programme_create(
        slug="next-district",
        name="Next district",
        start=start - timedelta(days=60),
        end=start + timedelta(days=700),
        organisations=[hela_manniskan, district],
        actor=None,
    )
    for programme, how_many in ((default_programme(), 2), (other, 3)):
        for _ in range(how_many):
            participant = register(
                hela_manniskan, alice, intervention_start=start, programme=programme
            )
            research_consent(participant, alice)
    today = timezone.localdate()

    def counted(programme, organisation=None) -> int:
        period = periods.custom(start, today)
        return research_consents(
            programme=programme, period=period, organisation=organisation, today=today
        ).count

    assert counted(default_programme()) == 2
    assert counted(other) == 3
    assert counted(other, organisation=district) == 0
    # The report on the whole programme (the steering group gets released periods only):
    # the period is not over, so the count is of today.
    page = (
        verified_client(steve)
        .get(
            reverse("reporting:report"),
            {"kind": "partnership"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .content.decode()
    )
    assert f"Participants with a valid consent to the follow-up research on {today}: 2." in page
