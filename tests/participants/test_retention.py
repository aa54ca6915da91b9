"""Retention (security.md line 21): closed cases go some years after their last entry,
with their files; legal holds, the access log and the steering group's figures stay."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from dbfiles.models import DBFile
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from cm_portal import access_log
from cm_portal.celery import app as celery_app
from cm_portal.models import AccessEvent, Role
from consent.case_files import import_case_files
from consent.models import Consent, ParticipantExport
from participants import retention, services
from participants.models import Contact, ContactKind, Participant
from plans.management.commands.load_demo_cases import (
    CASE_MANAGER_DISTRICT,
    CASE_MANAGER_HM,
    demo_cases,
)
from plans.models import DocumentKind, PlanDocument
from reporting.kpis import compute_kpis
from reporting.models import FrozenFigures
from reporting.periods import calendar_quarter, project_quarter
from reporting.selectors import trend
from tests.factories import UserFactory, default_programme
from tests.participants.factories import close_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def anna(hela_manniskan, district):
    UserFactory(email=CASE_MANAGER_DISTRICT, organisation=district, role=Role.CASE_MANAGER)
    return UserFactory(email=CASE_MANAGER_HM, organisation=hela_manniskan, role=Role.CASE_MANAGER)


@pytest.fixture
def cases(anna, storage):
    """The three demo cases (every part of a case; the last was closed in the demo), the
    first closed today and with a stored file of each kind: [closed, open, closed]."""
    return _demo_cases_with_files(anna)


@pytest.fixture
def database_cases(anna):
    """The same cases with their files in the default storage, the database."""
    return _demo_cases_with_files(anna)


def _demo_cases_with_files(anna) -> list[Participant]:
    import_case_files(data=demo_cases(TODAY()), actor=anna)
    participants = list(Participant.objects.order_by("pk"))
    first = participants[0]
    close_case(first, anna, on=TODAY(), reason_code="goals_met", reason="Målen nådda")
    assert [case.is_open for case in participants] == [False, True, False]
    consent = Consent.objects.filter(participant=first).first()
    consent.scan.save("scan.pdf", ContentFile(b"%PDF-1.4 scan"))
    export = ParticipantExport.objects.create(participant=first, requested_by=anna)
    export.file.save("export.pdf", ContentFile(b"%PDF-1.4 export"))
    document = PlanDocument.objects.create(
        participant=first, kind=DocumentKind.MY_PLAN, requested_by=anna
    )
    document.file.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"))
    return participants


@pytest.fixture
def without_freezing(monkeypatch):
    """Leave out reporting's freezing of the figures (a second per period and scope):
    for the tests about what is deleted, not about the figures."""
    monkeypatch.setattr(retention, "_before_deletion", [])


def _due_day(participant: Participant) -> date:
    """The first day the nightly job deletes the case (5 years and 30 days on)."""
    return retention.retention_case(participant).delete_on


def _rows_of(participant_id: int) -> dict[str, int]:
    """Every row of every model that points at the participant, by model."""
    counts = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Participant:
                found = model._default_manager.filter(**{field.name: participant_id}).count()
                if found:
                    counts[model._meta.label] = found
    return counts


def _stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_the_rule_runs_from_the_last_entry_with_a_month_of_notice(cases, settings):
    case = retention.retention_case(cases[0])
    assert case.last_entry == timezone.localdate()
    assert case.due_on == case.last_entry.replace(year=case.last_entry.year + 5)
    assert case.delete_on == case.due_on + timedelta(days=settings.RETENTION_NOTICE_DAYS)
    # Deletion finished by the end of the calendar year after the case fell due.
    assert case.deadline == date(case.due_on.year + 1, 12, 31)
    assert case.delete_on <= case.deadline


def test_29_february_becomes_28_february():
    assert retention.years_after(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_every_write_to_the_case_moves_its_last_entry(cases, anna):
    participant = cases[0]
    Participant.objects.filter(pk=participant.pk).update(
        last_entry_at=timezone.now() - timedelta(days=400)
    )
    services.contact_log(
        participant=participant,
        actor=anna,
        date=TODAY(),
        kind=ContactKind.PHONE,
        duration_minutes=10,
        counterpart="",
        note="",
    )
    participant.refresh_from_db()
    assert timezone.now() - participant.last_entry_at < timedelta(minutes=1)


def test_a_due_case_is_deleted_with_its_rows_and_files(
    cases, without_freezing, storage, django_capture_on_commit_callbacks
):
    closed = cases[0]
    assert _rows_of(closed.pk)
    assert len(_stored_files(storage)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        deleted = retention.delete_expired_cases(today=_due_day(closed))

    assert deleted == 2  # both closed cases; the open one stays
    assert not Participant.objects.filter(pk=closed.pk).exists()
    assert _rows_of(closed.pk) == {}
    assert _stored_files(storage) == []
    assert list(Participant.objects.values_list("pk", flat=True)) == [cases[1].pk]


def _database_files_of(participant: Participant) -> list[str]:
    names = [
        *Consent.objects.filter(participant=participant).values_list("scan", flat=True),
        *ParticipantExport.objects.filter(participant=participant).values_list("file", flat=True),
        *PlanDocument.objects.filter(participant=participant).values_list("file", flat=True),
    ]
    return [name for name in names if name]


def test_files_in_the_database_go_in_the_deletion_s_own_transaction(
    database_cases, without_freezing, django_capture_on_commit_callbacks
):
    closed = database_cases[0]
    names = _database_files_of(closed)
    assert len(names) == 3
    assert DBFile.objects.filter(name__in=names).count() == 3
    # No on-commit step runs here: what is gone is gone inside the transaction.
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert retention.delete_case(closed.pk, today=_due_day(closed))

    assert DBFile.objects.filter(name__in=names).count() == 0
    assert not Participant.objects.filter(pk=closed.pk).exists()
    assert [step for step in after_commit if "remove_files" in repr(step)] == []


def test_a_deletion_that_fails_keeps_the_case_and_its_files_in_the_database(
    database_cases, without_freezing, monkeypatch
):
    closed = database_cases[0]
    names = _database_files_of(closed)

    def broken_record(**_kwargs):
        raise RuntimeError("the access log is unavailable")

    # The last step of the deletion fails, after the rows and the files were removed.
    monkeypatch.setattr(retention.access_log, "record", broken_record)
    assert retention.delete_expired_cases(today=_due_day(closed)) == 0

    assert Participant.objects.filter(pk=closed.pk).exists()
    assert DBFile.objects.filter(name__in=names).count() == 3


def test_the_access_log_keeps_the_case_and_records_the_deletion(cases, without_freezing):
    closed = cases[0]
    logged_before = AccessEvent.objects.filter(object_type="participant", object_id=closed.pk)
    count_before = logged_before.count()
    assert count_before > 0

    retention.delete_expired_cases(today=_due_day(closed))

    events = AccessEvent.objects.filter(object_type="participant", object_id=str(closed.pk))
    assert events.count() == count_before + 1
    deletion = events.order_by("-id").first()
    assert deletion.action == AccessEvent.Action.DELETE
    assert deletion.actor is None
    assert deletion.detail.startswith("retention: ")
    assert access_log.verify_chain()[1] is None


def test_nothing_goes_before_its_day_and_a_second_run_finds_nothing(cases, without_freezing):
    closed = cases[0]
    assert retention.delete_expired_cases(today=_due_day(closed) - timedelta(days=1)) == 0
    assert Participant.objects.count() == 3
    assert retention.delete_expired_cases(today=_due_day(closed)) == 2
    assert retention.delete_expired_cases(today=_due_day(closed)) == 0


def test_a_legal_hold_keeps_the_case(cases, without_freezing):
    held = cases[0]
    Participant.objects.filter(pk=held.pk).update(legal_hold=True)
    far_later = _due_day(held) + timedelta(days=3 * 365)

    assert retention.delete_expired_cases(today=far_later) == 1
    assert Participant.objects.filter(pk=held.pk).exists()
    listed = {case.participant.pk: case for case in retention.retention_schedule(today=far_later)}
    assert listed[held.pk].held
    assert listed[held.pk].is_late(far_later)


def test_a_hold_placed_after_the_listing_wins(cases):
    """delete_case checks again under the row lock: the list may be out of date."""
    closed = cases[0]
    due = _due_day(closed)
    ids = retention.deletable_ids(today=due)
    assert closed.pk in ids
    Participant.objects.filter(pk=closed.pk).update(legal_hold=True)

    assert retention.delete_case(closed.pk, today=due) is False
    assert Participant.objects.filter(pk=closed.pk).exists()


def test_an_open_or_recently_written_case_stays(cases, anna):
    closed, reopened = cases[0], cases[2]
    services.participant_reopen(participant=reopened, actor=anna)
    due = _due_day(closed)
    # A late correction to the closed case starts its period again.
    Participant.objects.filter(pk=closed.pk).update(
        last_entry_at=timezone.make_aware(datetime.combine(due, datetime.min.time()))
    )

    assert retention.delete_expired_cases(today=due) == 0
    assert Participant.objects.count() == 3


def test_the_dry_run_lists_what_will_go_and_deletes_nothing(cases):
    closed = cases[0]
    due = _due_day(closed)
    Participant.objects.filter(pk=cases[2].pk).update(legal_hold=True)

    schedule = retention.retention_schedule(today=due - timedelta(days=10))
    deletable = {case.participant.pk: case.is_deletable(due) for case in schedule}
    assert deletable == {cases[0].pk: True, cases[2].pk: False}

    out = StringIO()
    with timezone.override("UTC"):
        call_command("retention", "--days-ahead", "20000", stdout=out)
    text = out.getvalue()
    assert closed.reference in text and "legal hold: kept" in text
    assert "2 cases listed: 0 due for deletion now, 1 on legal hold. Dry run" in text
    assert Participant.objects.count() == 3


@pytest.fixture
def one_year(settings):
    """A shorter period: fewer finished periods to freeze, the same rule."""
    settings.RETENTION_YEARS = 1


def test_the_figures_of_finished_periods_survive_the_deletion(cases, one_year):
    closed = cases[0]
    due = _due_day(closed)
    start = closed.intervention_start
    quarter = calendar_quarter(start.year, (start.month - 1) // 3 + 1)
    before = compute_kpis(period_from=quarter.start, period_to=quarter.end, today=due)
    chosen_dates = {"period_from": date(2026, 1, 1), "period_to": date(2027, 6, 30), "today": due}
    live_before = compute_kpis(**chosen_dates)
    assert before["participants"]["started"] >= 1

    retention.delete_expired_cases(today=due)

    assert FrozenFigures.objects.filter(organisation=None).exists()
    assert FrozenFigures.objects.filter(organisation=closed.organisation).exists()
    assert compute_kpis(period_from=quarter.start, period_to=quarter.end, today=due) == before
    # Chosen dates are not frozen: those are computed from the cases that remain.
    assert compute_kpis(**chosen_dates)["participants"] != live_before["participants"]


def test_the_trend_reads_the_frozen_quarters(cases, one_year):
    due = _due_day(cases[0])
    until = project_quarter(default_programme(), 4)
    before = [row.kpis for row in trend(programme=default_programme(), until=until, today=due)]

    retention.delete_expired_cases(today=due)

    assert [
        row.kpis for row in trend(programme=default_programme(), until=until, today=due)
    ] == before
    # Without the frozen figures the deletion would show.
    FrozenFigures.objects.all().delete()
    assert [
        row.kpis for row in trend(programme=default_programme(), until=until, today=due)
    ] != before


def test_freezing_happens_once_per_period(cases, one_year):
    due = _due_day(cases[0])
    retention.delete_expired_cases(today=due)
    frozen = FrozenFigures.objects.count()
    assert frozen > 0

    # The open case, closed and deleted later, finds its periods frozen already.
    last = Participant.objects.get()
    last.intervention_end, last.end_reason = TODAY(), "Flyttat"
    last.save()
    retention.delete_expired_cases(today=due)
    assert FrozenFigures.objects.count() == frozen


def test_beat_runs_the_deletion_and_the_log_purge_nightly():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "participants.tasks.delete_expired_cases" in tasks
    assert "participants.tasks.notify_retention" in tasks
    assert "cm_portal.tasks.purge_expired_access_log" in tasks


def test_contacts_keep_no_participant_after_deletion(cases, without_freezing):
    """The contact rows are gone, not orphaned (the K figures count contacts)."""
    closed = cases[0]
    contacts = Contact.objects.filter(participant=closed).count()
    assert contacts > 0
    retention.delete_expired_cases(today=_due_day(closed))
    assert Contact.objects.filter(participant_id=closed.pk).count() == 0
