"""Which form each URL takes, so that the fuzz tests post every field the form has.

Field names come from the form classes (a field added to a form is fuzzed without a change
here). Every named URL of the project is in exactly one of ``POST_FORMS``, ``GET_FORMS``
and ``NO_INPUT``: a new URL fails ``test_every_url_is_classified`` until it is placed.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from cm_portal.forms import (
    AccessLogFilterForm,
    LoginForm,
    LogReviewDrawForm,
    LogReviewSignOffForm,
    StaffCreateForm,
    StaffFilterForm,
    StaffForm,
    TokenForm,
)
from cm_portal.oidc.forms import IdentityProviderForm
from cm_portal.programmes.forms import GoalForm as ProgrammeGoalForm
from cm_portal.programmes.forms import GoalRemoveForm, ProgrammeForm
from consent.forms import ConsentForm, WithdrawForm
from participants.forms import (
    ActivityForm,
    CaseloadFilterForm,
    CloseForm,
    ContactForm,
    IntakeForm,
    LegalHoldForm,
    ParticipantForm,
    ReassignForm,
    RetentionScheduleForm,
    TransferForm,
)
from plans.forms import crisis_plan as crisis_forms
from plans.forms import individual_plan as plan_forms
from plans.forms.meetings import (
    InvitationForm,
    MeetingForm,
    MinutesForm,
    OfferForm,
    PreparationForm,
)
from plans.forms.prioritised_contacts import PrioritisedContactForm
from plans.forms.self_ratings import LinkForm, QuestionsForm, SelfRatingForm
from reporting.forms import ClosingSectionForm, ClosingVersionForm, PeriodForm
from reporting.research.forms import AgreementForm, ExportRequestForm
from reporting.views.pdfs import ReportRequestForm

Fields = Callable[[], list[str]]


def form(cls: type[forms.Form], **kwargs) -> Fields:
    """The fields of a form instance (some forms add fields in ``__init__``)."""
    return lambda: list(cls(**kwargs).fields)


def formset(cls: type[forms.BaseFormSet], prefix: str, rows: int = 3) -> Fields:
    """The management form and ``rows`` rows of a formset, as the browser names them."""

    def names() -> list[str]:
        empty = cls(prefix=prefix)
        management = [f"{prefix}-{name}" for name in empty.management_form.fields]
        fields = list(empty.empty_form.fields)
        return management + [f"{prefix}-{i}-{name}" for i in range(rows) for name in fields]

    return names


def plain(*names: str) -> Fields:
    """Parameters a view reads without a form class."""
    return lambda: list(names)


def _organisation_forms(cls):
    # AssignForm and TransferForm need an organisation only for the choices' queryset (and
    # PeriodForm and ReportRequestForm a programme only for choices and help texts): the
    # declared fields are the names a browser posts.
    return lambda: list(cls.base_fields)


# PeriodForm needs a programme; its declared fields plus the two its __init__ adds ("from"
# is a Python keyword, so "from" and "to" cannot be declared on the class).
_period_form = (_organisation_forms(PeriodForm), plain("from", "to"))


# URL name → the forms (and plain parameters) a POST to it reads; () for a POST that reads
# nothing but the URL (the fuzz still posts junk to it).
POST_FORMS: dict[str, tuple[Fields, ...]] = {
    "set_language": (plain("language", "next"),),
    "accounts:login": (form(LoginForm), plain("next")),
    "accounts:logout": (plain("next"),),
    "accounts:otp_verify": (form(TokenForm), plain("next")),
    "accounts:otp_enrol": (form(TokenForm), plain("next")),
    "accounts:password_reset": (plain("email"),),
    "accounts:password_reset_confirm": (plain("new_password1", "new_password2"),),
    "staff:create": (form(StaffCreateForm),),
    "staff:edit": (form(StaffForm),),
    "staff:deactivate": (),
    "staff:reactivate": (),
    "staff:password_link": (),
    "staff:reset_second_factor": (),
    "staff:log_reviews": (form(LogReviewDrawForm),),
    "approvals:approve": (),
    "approvals:refuse": (),
    "staff:log_review": (form(LogReviewSignOffForm),),
    "oidc:provider_edit": (form(IdentityProviderForm),),
    "participants:create": (form(IntakeForm),),
    "participants:edit": (form(ParticipantForm),),
    "participants:contact_create": (form(ContactForm),),
    "participants:contact_edit": (form(ContactForm),),
    "participants:close": (form(CloseForm),),
    "participants:reopen": (),
    "participants:assign": (plain("staff"),),
    "participants:unassign": (plain("staff"),),
    "participants:transfer": (_organisation_forms(TransferForm),),
    "participants:reassign": (_organisation_forms(ReassignForm),),
    "participants:activity_create": (form(ActivityForm),),
    "participants:legal_hold": (form(LegalHoldForm),),
    "consent:create": (form(ConsentForm),),
    "consent:withdraw": (form(WithdrawForm),),
    "consent:export_pdf_request": (),
    "plans:goal_create": (form(plan_forms.GoalCreateForm),),
    "plans:goal_edit": (form(plan_forms.GoalForm), formset(plan_forms.SubGoalFormSet, "sub")),
    "plans:goal_delete": (form(plan_forms.VersionForm),),
    "plans:contact_paths": (
        form(plan_forms.VersionForm),
        formset(plan_forms.ContactPathFormSet, "paths"),
    ),
    "plans:plan_establish": (form(plan_forms.EstablishForm),),
    "plans:prioritised_contacts": (form(PrioritisedContactForm),),
    "plans:prioritised_contact_edit": (form(PrioritisedContactForm),),
    "plans:crisis_plan_edit": (
        form(crisis_forms.CrisisPlanForm),
        formset(crisis_forms.ChainFormSet, "chain"),
    ),
    "plans:crisis_plan_establish": (form(crisis_forms.EstablishForm),),
    "plans:self_ratings": (form(SelfRatingForm),),
    "plans:self_rating_link_create": (form(LinkForm),),
    "plans:self_rating_fill": (form(QuestionsForm),),
    "plans:meeting_create": (form(MeetingForm, covered=[]),),
    "plans:meeting_invitation": (form(InvitationForm),),
    "plans:meeting_minutes": (form(MinutesForm),),
    "plans:meeting_preparation": (form(PreparationForm),),
    "plans:meeting_cancel": (),
    "plans:meeting_offer_create": (_organisation_forms(OfferForm),),
    "plans:meeting_invitation_send": (),
    "plans:minutes_pdf_request": (),
    "plans:calendar_feed_settings": (plain("action"),),
    "plans:my_plan_request": (),
    "plans:invitation_letter_request": (),
    "plans:reminders_read": (plain("pk"),),
    "reporting:pdf_request": (_organisation_forms(ReportRequestForm),),
    "reporting:closing_start": (),
    # The declared fields: the parts drop the budget or the file they do not have.
    "reporting:closing_section": (_organisation_forms(ClosingSectionForm),),
    "reporting:closing_approve": (form(ClosingVersionForm), plain("confirmed")),
    "programmes:create": (form(ProgrammeForm),),
    "programmes:edit": (form(ProgrammeForm),),
    "programmes:goal": (form(ProgrammeGoalForm),),
    "programmes:goal_remove": (form(GoalRemoveForm),),
    "research:export_request": (form(ExportRequestForm),),
    "research:agreement_create": (form(AgreementForm),),
}

# URL name → the filter or period form its query string is read with.
GET_FORMS: dict[str, tuple[Fields, ...]] = {
    "participants:list": (form(CaseloadFilterForm), plain("page")),
    "participants:activity_list": (plain("page"),),
    "participants:retention": (form(RetentionScheduleForm),),
    "staff:list": (form(StaffFilterForm), plain("page")),
    "staff:access_log": (form(AccessLogFilterForm), plain("page")),
    "staff:log_reviews": (plain("page"),),
    "plans:reminders": (plain("page"),),
    "reporting:report": _period_form,
    "reporting:export_csv": _period_form,
    "reporting:export_xlsx": _period_form,
    "reporting:export_account_csv": _period_form,
    "reporting:export_intern_sip_csv": (*_period_form, plain("programme")),
    "reporting:export_intern_sip_xlsx": (*_period_form, plain("programme")),
    "plans:calendar": (plain("view", "date"),),
}

# Pages that read nothing from the request but the path (an object's id) and the session.
NO_INPUT = {
    "home",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    # The provider's answer never gives a page (always a redirect), so the GET fuzz cannot
    # take it; its query (code, state, error) is fuzzed in tests/oidc/test_callback_fuzz.py.
    "oidc:callback",
    "oidc:logged_out",
    "oidc:providers",
    "participants:detail",
    "consent:list",
    "consent:export_json",
    "consent:export_pdf_status",
    "consent:export_pdf_download",
    "consent:scan",
    "plans:plan",
    "plans:plan_history",
    "plans:crisis_plan",
    "plans:crisis_plan_history",
    "plans:self_rating_link",
    "plans:meetings",
    "plans:meeting_detail",
    "plans:document_status",
    "plans:document_download",
    "plans:dashboard",
    "approvals:list",
    "reporting:pdf_list",
    "reporting:pdf_download",
    "research:home",
    "research:export_download",
    "research:agreements",
    "reporting:start",
    "reporting:pdf_status",
    # The final report and the written account (issue 15): the programme and kind in the path.
    "reporting:closing",
    "reporting:closing_section_history",
    "reporting:closing_pdf",
    "reporting:closing_csv",
    "reporting:closing_research_file",
    # The administrators' list of programmes: no filter, no paging.
    "programmes:list",
    # The secret link is the key; a wrong one answers 404 (tests/plans/test_calendar*.py).
    "plans:calendar_feed",
}


def field_names(table: dict[str, tuple[Fields, ...]], url_name: str) -> list[str]:
    return sorted({name for fields in table[url_name] for name in fields()})
