"""Approving or refusing account changes that give case access (security.md 30).

An administrator asks (on the staff pages); a team lead of the organisation concerned, or
a second administrator where it has no other active team lead, decides here. Each
decision is confirmed on a page that says what will happen, and posted with CSRF.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import selectors, services
from ..access import access_account_change, role_required
from ..http import AuthenticatedHttpRequest
from ..models import AccountChangeRequest, Organisation, Role
from .common import act

deciders_only = role_required(Role.TEAM_LEAD, Role.ADMINISTRATOR)


def describe(change: AccountChangeRequest) -> list[str]:
    """What approving ``change`` will do, one sentence each (no case data)."""
    target = change.target
    values = change.values
    if change.kind == AccountChangeRequest.Kind.CREATE:
        lines = [
            _("The account of %(name)s (%(email)s), %(role)s at %(organisation)s, can log in.")
            % {
                "name": target.name,
                "email": target.email,
                "role": target.get_role_display(),
                "organisation": target.organisation.name,
            }
        ]
        if values.get("send_link"):
            lines.append(
                _("A set-password link is e-mailed to %(email)s.") % {"email": target.email}
            )
        return lines
    if change.kind == AccountChangeRequest.Kind.UPDATE:
        lines = []
        if "email" in values:
            lines.append(
                _("The e-mail address of %(name)s changes from %(old)s to %(new)s.")
                % {"name": target.name, "old": target.email, "new": values["email"]}
            )
        if "role" in values or "organisation" in values:
            organisation = Organisation.objects.get(pk=values["organisation"])
            lines.append(
                _("%(name)s becomes %(role)s at %(organisation)s.")
                % {
                    "name": target.name,
                    "role": Role(values["role"]).label,
                    "organisation": organisation.name,
                }
            )
            if values["organisation"] != target.organisation_id or values["role"] != target.role:
                lines.append(
                    _(
                        "Their assignments to participants end, and so do their sessions; "
                        "the team lead of their present organisation is told which cases."
                    )
                )
        return lines
    if change.kind == AccountChangeRequest.Kind.SECOND_FACTOR_RESET:
        return [
            _(
                "The two-factor login of %(name)s is removed: they set it up again at their "
                "next login, and their sessions end."
            )
            % {"name": target.name}
        ]
    return [_("A set-password link is e-mailed to %(email)s.") % {"email": target.email}]


@deciders_only
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The changes waiting for this person's decision."""
    changes = list(selectors.account_changes_to_decide(request.user))
    return render(request, "staff/approvals.html", {"changes": changes})


def _decision(request: AuthenticatedHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    change = access_account_change(request.user, pk)
    if request.method == "POST":
        decide = services.account_change_approve if approve else services.account_change_refuse
        if act(request, decide, change=change):
            messages.success(
                request,
                _("The change was approved and has taken effect.")
                if approve
                else _("The change was refused: nothing of it takes effect."),
            )
        return redirect("home")
    return render(
        request,
        "staff/approval_confirm.html",
        {"change": change, "approve": approve, "lines": describe(change)},
    )


@deciders_only
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, approve=True)


@deciders_only
def refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decision(request, pk, approve=False)
