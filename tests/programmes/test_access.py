"""Who sees which programme: a steering- or project-group member sees the reports, PDFs and
exports of the programmes they follow, and gets 404 on another's, exactly as on a missing
one. A team lead sees the programmes their organisation takes part in."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cm_portal.models import Role
from cm_portal.pdf import PdfStatus
from cm_portal.programmes.services import programme_create, programme_goal_set
from reporting.models import ReportKind, SteeringReport
from tests.conftest import _staff, verified_client
from tests.consent.helpers import PDF, use_temporary_storage
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

QUERY = {"kind": "project_quarter", "n": "1"}


@pytest.fixture
def pilot():
    organisation = OrganisationFactory(slug="pilot-district", programmes=[])
    programme = programme_create(
        slug="pilot",
        name="Pilot",
        start=date(2026, 9, 1),
        end=date(2027, 8, 31),
        organisations=[organisation],
        age_min=18,
        age_max=21,
        actor=None,
    )
    programme_goal_set(
        programme=programme, kind="intern_sip_offered", target_percent=100, actor=None
    )
    return programme


@pytest.fixture
def pilot_member(pilot):
    user = _staff(
        "petra@pilot.example", "Petra Pilot", pilot.organisations.get(), Role.STEERING_GROUP
    )
    pilot.members.add(user)
    return user


def _report(programme, requested_by, request) -> SteeringReport:
    use_temporary_storage(request.getfixturevalue)
    report = SteeringReport.objects.create(
        programme=programme,
        kind=ReportKind.QUARTERLY,
        period_start=programme.start,
        period_end=programme.start.replace(day=28),
        period_label="Q1",
        requested_by=requested_by,
        status=PdfStatus.READY,
    )
    report.file.save("q.pdf", ContentFile(PDF))
    return report


@pytest.mark.parametrize(
    "url_name",
    [
        "reporting:report",
        "reporting:export_csv",
        "reporting:export_xlsx",
        "reporting:export_account_csv",
    ],
)
def test_a_member_of_one_programme_gets_404_on_the_others_pages(
    url_name, vagledning, pilot, pilot_member, steve
):
    url = reverse(url_name)
    own = {**QUERY, "programme": pilot.slug}
    other = {**QUERY, "programme": vagledning.slug}
    assert verified_client(pilot_member).get(url, own).status_code == 200
    assert verified_client(pilot_member).get(url, other).status_code == 404
    assert verified_client(steve).get(url, other).status_code == 200
    assert verified_client(steve).get(url, own).status_code == 404
    # An unknown programme answers the same.
    assert verified_client(steve).get(url, {**QUERY, "programme": "nope"}).status_code == 404


def test_a_member_gets_404_on_another_programmes_pdf(
    request, vagledning, pilot, pilot_member, steve
):
    theirs = _report(vagledning, steve, request)
    own = _report(pilot, pilot_member, request)
    client = verified_client(pilot_member)
    assert client.get(reverse("reporting:pdf_download", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("reporting:pdf_download", args=[own.pk])).status_code == 200
    assert (
        verified_client(steve).get(reverse("reporting:pdf_download", args=[own.pk])).status_code
        == 404
    )
    listing = client.get(reverse("reporting:pdf_list")).content.decode()
    assert reverse("reporting:pdf_download", args=[own.pk]) in listing
    assert reverse("reporting:pdf_download", args=[theirs.pk]) not in listing


def test_a_member_cannot_ask_for_another_programmes_pdf(vagledning, pilot, pilot_member):
    response = verified_client(pilot_member).post(
        reverse("reporting:pdf_request"),
        {"programme": vagledning.slug, "kind": "final"},
    )
    assert response.status_code == 400
    assert not SteeringReport.objects.filter(programme=vagledning).exists()


def test_a_project_group_member_sees_the_programmes_report(pia, vagledning):
    response = verified_client(pia).get(reverse("reporting:report"), QUERY)
    assert response.status_code == 200
    assert vagledning.name in response.content.decode()


def test_a_team_lead_sees_only_the_programmes_of_their_organisation(tess, vagledning, pilot):
    client = verified_client(tess)
    assert (
        client.get(reverse("reporting:report"), {"programme": vagledning.slug}).status_code == 200
    )
    assert client.get(reverse("reporting:report"), {"programme": pilot.slug}).status_code == 404


def test_a_member_of_no_programme_gets_404(district):
    loner = _staff("lone@district.example", "Lone", district, Role.PROJECT_GROUP)
    assert verified_client(loner).get(reverse("reporting:report")).status_code == 404
