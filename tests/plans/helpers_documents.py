"""Builders for the plan-PDF tests and the permission matrix.

They take ``f`` (``request.getfixturevalue``) so ``tests/test_permission_matrix.py`` can build
the same objects; each is get-or-create, so calling it twice is harmless. Plan data is made
straight with the ORM: the plan services are built elsewhere at the same time.
"""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cm_portal.pdf import PdfStatus
from consent.services import consent_record
from participants.models import Participant
from participants.services import participant_register
from plans.models import (
    ContactPath,
    CoordinationMeeting,
    CrisisPlan,
    DocumentKind,
    Goal,
    IndividualPlan,
    MeetingInvitee,
    PlanDocument,
    ResponsibilityLink,
    SubGoal,
)
from tests.consent.helpers import PDF, use_temporary_storage
from tests.matrix import Fixtures

REFERENCE = "HM-DOC-1"
IDENTITY_NUMBER = "20030512-2384"
INTAKE = {
    "birth_year": 2003,
    "gender": "woman",
    "entry_path": "outreach",
    "crisis_relevant": True,
    "intervention_start": date(2026, 6, 1),
}


def document_participant_of(f: Fixtures) -> Participant:
    """A participant registered by alice at Hela Människan, with an identity number."""
    organisation = f("hela_manniskan")
    existing = Participant.objects.filter(organisation=organisation, reference=REFERENCE).first()
    return existing or participant_register(
        organisation=organisation,
        actor=f("alice"),
        reference=REFERENCE,
        display_name="Kim",
        personal_identity_number=IDENTITY_NUMBER,
        **INTAKE,
    )


def plan_of(f: Fixtures) -> IndividualPlan:
    """An established plan: two goals with sub-goals, two contact paths; and a crisis plan."""
    participant = document_participant_of(f)
    existing = IndividualPlan.objects.filter(participant=participant).first()
    if existing:
        return existing
    plan = IndividualPlan.objects.create(
        participant=participant, established_on=date(2026, 7, 10), updated_by=f("alice")
    )
    housing = Goal.objects.create(plan=plan, position=0, title="Eget boende")
    SubGoal.objects.create(goal=housing, position=0, title="Ställa sig i bostadskön")
    SubGoal.objects.create(goal=housing, position=1, title="Spara till hyran", status="achieved")
    work = Goal.objects.create(plan=plan, position=1, title="Praktikplats")
    SubGoal.objects.create(goal=work, position=0, title="Besöka arbetsförmedlingen")
    ContactPath.objects.create(
        plan=plan, position=0, actor="Psykiatrimottagningen", how="Ring 08-123 45", when="Vardagar"
    )
    ContactPath.objects.create(
        plan=plan, position=1, actor="Socialtjänsten", person="Anna", how="Mejl", when=""
    )
    crisis = CrisisPlan.objects.create(
        participant=participant,
        established_on=date(2026, 7, 20),
        warning_signs="Sover dåligt",
        own_strategies="Ta en promenad",
        people_to_contact="Syster",
        professional_contacts="Vårdcentralen",
        updated_by=f("alice"),
    )
    # Created out of order: the chain is shown by its order, not by when a link was added.
    ResponsibilityLink.objects.create(
        crisis_plan=crisis, order=2, who="Jouren", how_to_reach="Ring 08-999", when="Kvällar"
    )
    ResponsibilityLink.objects.create(
        crisis_plan=crisis, order=1, who="Handläggaren", how_to_reach="070-111", when="Dagtid"
    )
    ResponsibilityLink.objects.create(
        crisis_plan=crisis, order=3, who="Psykiatriska akuten", how_to_reach="Ring 112"
    )
    return plan


def meeting_of(f: Fixtures) -> CoordinationMeeting:
    """A planned Intern-SIP meeting booked by alice, with two units and one outside party,
    whom a consent valid today covers (the letter is refused without one)."""
    participant = document_participant_of(f)
    existing = CoordinationMeeting.objects.filter(participant=participant).first()
    if existing:
        return existing
    consent_record(
        participant=participant,
        actor=f("alice"),
        external_names=["Vårdcentralen Älvsjö"],
        purpose="Samordning",
        signed_on=date(2026, 6, 2),
        signed_by="participant",
    )
    meeting = CoordinationMeeting.objects.create(
        participant=participant,
        kind="intern_sip",
        need="Vem ansvarar för boendestödet?",
        participant_agreed=True,
        meeting_on=date(2026, 9, 15),
        invitation_sent_on=date(2026, 8, 20),
        created_by=f("alice"),
    )
    MeetingInvitee.objects.create(meeting=meeting, position=0, name="Vuxenenheten")
    MeetingInvitee.objects.create(meeting=meeting, position=1, name="Ekonomiskt bistånd")
    MeetingInvitee.objects.create(
        meeting=meeting, position=2, name="Vårdcentralen Älvsjö", outside=True
    )
    return meeting


def document_of(f: Fixtures) -> PlanDocument:
    """A finished "Min plan" of the participant (the file is a stand-in, not rendered)."""
    participant = document_participant_of(f)
    existing = PlanDocument.objects.filter(participant=participant).order_by("pk").first()
    if existing:
        return existing
    use_temporary_storage(f)
    document = PlanDocument(
        participant=participant,
        kind=DocumentKind.MY_PLAN,
        requested_by=f("alice"),
        status=PdfStatus.READY,
        finished_at=timezone.now(),
    )
    document.file.save("my_plan.pdf", ContentFile(PDF), save=False)
    document.save(force_insert=True)
    return document


def document_url(name: str, document: PlanDocument) -> str:
    """The address ``name`` (e.g. "plans:document_status") of ``document``."""
    return reverse(name, kwargs={"pk": document.participant_id, "document_pk": document.pk})
