"""The main pages pass axe-core (WCAG 2.0/2.1 A and AA) with no serious or critical
violation, in Swedish and in English, on a 375 px phone and a 1280 px screen (issue 7).

axe-core comes from the npm registry (package-lock.json, ``make test`` runs ``npm ci``).
The portal's Content-Security-Policy refuses an injected <script> (``add_script_tag``), and
it should: the source is evaluated through DevTools instead, which a page's CSP does not
govern. One logged-in page per persona and language walks that persona's pages and
checks each at both widths; each page at each width is a subtest, so a failure names both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from cm_portal.models import Role, User
from cm_portal.services import account_change_request, log_review_draw
from consent.case_files import import_case_files
from participants.models import Participant
from plans.management.commands.load_demo_cases import (
    CASE_MANAGER_DISTRICT,
    CASE_MANAGER_HM,
    demo_cases,
)
from plans.models import DeadlineKind, DeadlineState
from plans.services.meetings import meeting_book
from plans.services.self_ratings import self_rating_link_create
from reporting.final_report import closing_document_start
from reporting.periods import project_quarter
from reporting.research.models import ResearchAgreement
from reporting.services import steering_report_request
from tests.plans.rows_dashboard import deadline_for, reminder_for
from tests.research.helpers import agreement_for, ready_export

from ..factories import PASSWORD, TOTPDeviceFactory, UserFactory
from ..helpers import (
    LOGIN_URL,
    OTP_ENROL_URL,
    OTP_VERIFY_URL,
    set_password_in_the_browser,
)
from .conftest import enter_logged_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@functools.cache
def _axe_source() -> str:
    """Read once for the whole run, not once for each test."""
    return AXE.read_text()


LANGUAGES = {"sv": "sv-SE", "en": "en-GB"}
# A phone and a laptop. One page serves both: the layout follows the viewport's width alone.
WIDTHS = {375: {"width": 375, "height": 812}, 1280: {"width": 1280, "height": 800}}


@dataclass(frozen=True)
class Cast:
    """The people and the case the pages show, and the addresses of those pages."""

    case_manager: User
    steering: User
    administrator: User
    researcher: User
    newcomer: User  # no second factor yet: the password leads to the enrolment page
    pages: dict[str, list[tuple[str, str]]]


def _staff(email: str, name: str, organisation, role: str) -> User:
    user = UserFactory(email=email, name=name, organisation=organisation, role=role)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def cast(hela_manniskan, district) -> Cast:
    """The demo cases (a plan, a crisis plan, contacts, a consent, a held meeting), a
    reminder, a self-rating link, and a log review with a sample of accesses."""
    anna = _staff(CASE_MANAGER_HM, "Anna Lind", hela_manniskan, Role.CASE_MANAGER)
    _staff(CASE_MANAGER_DISTRICT, "Omar Haddad", district, Role.CASE_MANAGER)
    steering = _staff("steve@district.example", "Steve Styr", district, Role.STEERING_GROUP)
    ada = _staff("ada@district.example", "Ada Admin", district, Role.ADMINISTRATOR)
    nina = UserFactory(email="nina@hela.example", name="Nina Ny", organisation=hela_manniskan)
    rita = _staff("rita@mchs.example", "Rita Research", district, Role.RESEARCHER)
    import_case_files(data=demo_cases(timezone.localdate()), actor=anna)

    alex = Participant.objects.get(reference="HM-0001")
    alex.programme.members.add(steering)  # the steering group sees its own programme's reports
    goal = alex.individual_plan.goals.first()
    contact = alex.contacts.first()
    meeting = alex.coordination_meetings.first()
    # A planned meeting too: only that one's time and place can still be changed.
    planned = meeting_book(
        participant=alex,
        actor=anna,
        kind="intern_sip",
        need="Boende",
        meeting_on=timezone.localdate() + timedelta(days=30),
        units=["Vuxenenheten"],
        outside_parties=[],
        participant_agreed=True,
    )
    late = deadline_for(
        alex,
        kind=DeadlineKind.CRISIS_PLAN,
        due_on=timezone.localdate() - timedelta(days=2),
        state=DeadlineState.OVERDUE,
    )
    reminder_for(late, anna)
    _link, token = self_rating_link_create(participant=alex, phase="baseline", actor=anna)
    # The import logged its writes: today's accesses to case data are what the review samples.
    today = timezone.localdate()
    review = log_review_draw(actor=ada, period_from=today, period_to=today)
    assert review.sample_ids
    # An account change waiting for approval shows on the staff list and the account's page.
    account_change_request(kind="password_link", target=anna, actor=ada)
    # A PDF being produced: its status page (issue 17) looks again by itself.
    report = steering_report_request(
        programme=alex.programme,
        period=project_quarter(alex.programme, 1),
        kind="quarterly",
        actor=steering,
    )
    # The final report's draft (issue 15), started by the steering group, who write its
    # shared parts.
    draft = closing_document_start(programme=alex.programme, kind="final_report", actor=steering)
    learnt = draft.sections.get(key="learnt")
    closing = {"slug": alex.programme.slug, "kind": "final-report"}
    # The researcher's agreement with a finished export, and an expired one (no export form).
    agreement = agreement_for(rita, actor=ada)
    ready_export(agreement, rita)
    expired = agreement_for(rita, actor=ada, approval_reference="Dnr 2025-00001")
    ResearchAgreement.objects.filter(pk=expired.pk).update(expires_on=today - timedelta(days=1))

    on_alex = {"pk": alex.pk}
    pages = {
        "anonymous": [
            ("login", LOGIN_URL),
            ("self-rating (public link)", reverse("plans:self_rating_fill", args=[token])),
        ],
        "case_manager": [
            ("dashboard", reverse("plans:dashboard")),
            ("participant list", reverse("participants:list")),
            ("participant detail", reverse("participants:detail", args=[alex.pk])),
            ("contact log form", reverse("participants:contact_edit", args=[alex.pk, contact.pk])),
            ("log a contact", reverse("participants:contact_create", args=[alex.pk])),
            ("close the case", reverse("participants:close", args=[alex.pk])),
            ("individual plan", reverse("plans:plan", kwargs=on_alex)),
            ("goal form", reverse("plans:goal_edit", kwargs={**on_alex, "goal_pk": goal.pk})),
            ("contact paths form", reverse("plans:contact_paths", kwargs=on_alex)),
            ("crisis plan", reverse("plans:crisis_plan", kwargs=on_alex)),
            ("crisis plan form", reverse("plans:crisis_plan_edit", kwargs=on_alex)),
            ("prioritised contacts", reverse("plans:prioritised_contacts", kwargs=on_alex)),
            ("meetings", reverse("plans:meetings", kwargs=on_alex)),
            ("meeting", reverse("plans:meeting_detail", args=[alex.pk, meeting.pk])),
            (
                "meeting's time and place form",
                reverse("plans:meeting_preparation", args=[alex.pk, planned.pk]),
            ),
            ("self-ratings", reverse("plans:self_ratings", kwargs=on_alex)),
            ("consents", reverse("consent:list", args=[alex.pk])),
            ("consent form", reverse("consent:create", args=[alex.pk])),
            ("reminders", reverse("plans:reminders")),
            ("calendar (week)", reverse("plans:calendar")),
            ("calendar (month)", reverse("plans:calendar") + "?view=month"),
            ("calendar link", reverse("plans:calendar_feed_settings")),
        ],
        "steering": [
            ("start page", reverse("home")),
            ("report", reverse("reporting:report")),
            ("report PDFs", reverse("reporting:pdf_list")),
            ("report PDF status", reverse("reporting:pdf_status", args=[report.pk])),
            ("final report draft", reverse("reporting:closing", kwargs=closing)),
            (
                "final report part",
                reverse("reporting:closing_section", kwargs={**closing, "pk": learnt.pk}),
            ),
        ],
        "administrator": [
            ("start page", reverse("home")),
            ("staff list", reverse("staff:list")),
            ("staff account with a change waiting", reverse("staff:edit", args=[anna.pk])),
            ("approvals", reverse("approvals:list")),
            ("access log", reverse("staff:access_log")),
            ("log reviews", reverse("staff:log_reviews")),
            ("log review", reverse("staff:log_review", args=[review.pk])),
            ("retention", reverse("participants:retention")),
            ("identity providers", reverse("oidc:providers")),
            ("identity provider form", reverse("oidc:provider_edit", args=[ada.organisation.slug])),
            ("research agreements", reverse("research:agreements")),
            ("research agreement form", reverse("research:agreement_create")),
        ],
        "researcher": [
            ("start page", reverse("home")),
            ("research data", reverse("research:home")),
        ],
    }
    return Cast(
        case_manager=anna,
        steering=steering,
        administrator=ada,
        researcher=rita,
        newcomer=nina,
        pages=pages,
    )


def serious_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it stands, serious or worse."""
    violations = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""",
        WCAG_A_AA,
    )
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )


def _submit(page: Page) -> None:
    page.locator("main form button[type=submit]").click()


def _password_step(page: Page, base: str, user, *, then: str = OTP_VERIFY_URL) -> None:
    page.goto(f"{base}{LOGIN_URL}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    _submit(page)
    page.wait_for_url(f"{base}{then}")


def _check_at_each_width(page: Page, subtests, name: str, language: str) -> None:
    assert page.get_attribute("html", "lang") == language, f"{name} is not in {language}"
    for width, viewport in WIDTHS.items():
        with subtests.test(page=name, width=width):
            page.set_viewport_size(viewport)
            violations = serious_violations(page)
            assert not violations, f"{name} at {width} px ({page.url}):\n{describe(violations)}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "persona", ["anonymous", "case_manager", "steering", "administrator", "researcher"]
)
def test_main_pages_have_no_serious_accessibility_violation(
    live_server, open_page, cast: Cast, subtests, persona, language
):
    assert AXE.exists(), "axe-core is missing: `npm ci` installs it (`make test` does)"
    base = live_server.url
    page = open_page(locale=LANGUAGES[language])
    # Through DevTools, before the page's own scripts: the page's CSP does not apply to it,
    # and the CSP stays as strict as it is (it refuses page.add_script_tag).
    page.context.add_init_script(script=_axe_source())
    if persona == "anonymous":
        for name, path in cast.pages[persona]:
            page.goto(f"{base}{path}")
            _check_at_each_width(page, subtests, name, language)
        # The second step of the login: the code from the authenticator app, or at the first
        # login the enrolment of one.
        _password_step(page, base, cast.case_manager)
        _check_at_each_width(page, subtests, "two-factor code", language)
        page.context.clear_cookies()
        set_password_in_the_browser(page, base, cast.newcomer)
        _password_step(page, base, cast.newcomer, then=OTP_ENROL_URL)
        _check_at_each_width(page, subtests, "two-factor enrolment", language)
        return
    enter_logged_in(page, base, getattr(cast, persona))
    for name, path in cast.pages[persona]:
        page.goto(f"{base}{path}")
        _check_at_each_width(page, subtests, name, language)
    # The confirmation step (issue 17) answers a POST: reached by pressing the button.
    if persona == "case_manager":
        alex = Participant.objects.get(reference="HM-0001")
        page.goto(f"{base}{reverse('consent:list', args=[alex.pk])}")
        page.locator("main form[action$='/withdraw/'] button[type=submit]").first.click()
        page.wait_for_load_state()
        _check_at_each_width(page, subtests, "confirmation step", language)
        # A refused contact: the error summary and the field in error.
        open_page.allow(400, "/contacts/")
        page.goto(f"{base}{reverse('participants:contact_create', args=[alex.pk])}")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        _check_at_each_width(page, subtests, "refused contact", language)
    # The researcher asks for an export: the page again, with its message and the pending row.
    if persona == "researcher":
        page.goto(f"{base}{reverse('research:home')}")
        page.locator("main form[action$='/export/'] button[type=submit]").click()
        page.wait_for_url(f"{base}{reverse('research:home')}")
        _check_at_each_width(page, subtests, "export asked for", language)
        assert page.locator("main form[action$='/export/']").count() == 1  # the expired has none
