"""Small helpers every app's views share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm, BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from cm_portal.access_log import client_address

# A primary key no table reaches, reversed in place of the real ones (see ``pk_urls``).
_PK_MARK = 987_654_321_987


def pk_urls(viewname: str) -> Callable[[int], str]:
    """``reverse(viewname, args=[pk])`` for each row of a list at the cost of one reverse
    (some 20 µs each, twice a row on the busy lists): for a URL whose one argument is an
    ``<int:pk>``."""
    head, tail = reverse(viewname, args=[_PK_MARK]).split(str(_PK_MARK))
    return lambda pk: f"{head}{int(pk)}{tail}"


def translated_html(text: str, **values: str | int) -> SafeString:
    """What ``{% blocktranslate with name=value %}`` gives for an already translated ``text``
    (``gettext("... %(name)s ...")``): the text as written, its values escaped. For list rows
    worked out in the view instead of a template tag a row."""
    escaped = {name: conditional_escape(str(value)) for name, value in values.items()}
    # The values are escaped; the text is ours, from the catalogue (as blocktranslate's).
    return mark_safe(text % escaped)  # noqa: S308


def method_not_allowed(request: HttpRequest, *allowed: str) -> HttpResponse | None:
    """A 405 unless the request uses one of ``allowed``.

    Call it after the access check: someone who may not see the object gets 404 for every
    method (security.md 2), never a 405 that confirms the object exists.
    """
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed(allowed)


def filter_query(request: HttpRequest) -> str:
    """The list's filter as a query string, without the page: what pagination.html keeps."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def add_service_errors(
    form: BaseForm,
    error: ValidationError,
    *,
    renamed: Mapping[str, str] | None = None,
    rows: Mapping[str, Sequence[BaseForm]] | None = None,
    formsets: Mapping[str, BaseFormSet] | None = None,
) -> None:
    """Put a service's ValidationError on the form field it names, else on the form.

    The one way every view shows a service's errors. ``renamed`` maps a service's field
    name to the form's; ``rows`` maps a prefix to the row forms kept, so that
    ``prefix[i].field`` goes on row i; ``formsets`` maps a service's field to the formset
    whose errors (above its rows) it becomes.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = (renamed or {}).get(key, key)
        if formsets and name in formsets:
            formsets[name].non_form_errors().extend(
                message for e in errors for message in e.messages
            )
            continue
        target, field = _row_of(form, name, rows or {})
        target.add_error(field if field in target.fields else None, errors)


@dataclass(frozen=True)
class Done[T]:
    """What a service returned when it accepted the submission."""

    value: T


def submit[T](
    request: HttpRequest, form: BaseForm, service: Callable[..., T], /, **arguments: Any
) -> Done[T] | None:
    """Call ``service`` with ``arguments`` as the request's user from the request's address:
    ``Done`` with what it returned, or None with its ValidationError on ``form``."""
    try:
        value = service(actor=request.user, client_address=client_address(request), **arguments)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    return Done(value)


def submit_versioned[T](
    request: HttpRequest,
    form: BaseForm,
    service: Callable[..., T],
    /,
    *,
    rows: Mapping[str, Sequence[BaseForm]] | None = None,
    formsets: Mapping[str, BaseFormSet] | None = None,
    invalid_status: int = 200,
    **arguments: Any,
) -> tuple[Done[T] | None, int]:
    """``submit`` for a form that carries the ``version`` it was loaded with (the optimistic
    lock), with the status to answer a refusal with. When someone else saved in between (the
    service's ValidationError has the code ``conflict``) their save stands and the form keeps
    what this person typed, with the error that says so: 409. Any other error goes on the
    form (``rows`` and ``formsets`` as for ``add_service_errors``): ``invalid_status``."""
    try:
        value = service(actor=request.user, client_address=client_address(request), **arguments)
    except ValidationError as error:
        if getattr(error, "code", None) == "conflict":
            form.add_error(None, error)
            return None, 409
        add_service_errors(form, error, rows=rows, formsets=formsets)
        return None, invalid_status
    return Done(value), 200


def act[T](request: HttpRequest, service: Callable[..., T], /, **arguments: Any) -> Done[T] | None:
    """``submit`` for an action without a form (a button): ``Done`` with what ``service``
    returned, or None with its ValidationError shown as an error message on the next page."""
    try:
        value = service(actor=request.user, client_address=client_address(request), **arguments)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    return Done(value)


def _row_of(
    form: BaseForm, key: str, rows: Mapping[str, Sequence[BaseForm]]
) -> tuple[BaseForm, str]:
    """The row form and field ``prefix[i].field`` names, else ``form`` and ``key``."""
    for prefix, kept in rows.items():
        if key.startswith(f"{prefix}[") and "]." in key:
            index, field = key[len(prefix) + 1 :].split("].", 1)
            return kept[int(index)], field
    return form, key


# The step before an action that one click should not take (issue 17): the first POST shows
# what will happen, and only the same form posted again with this field set does it.
CONFIRMED = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == "yes"


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: Sequence[str],
    confirm_label: str,
    cancel_url: str,
) -> HttpResponse:
    """A page that says what the action will do and posts the same data again, confirmed.

    Works without JavaScript; nothing is changed until the person presses ``confirm_label``.
    """
    kept = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRMED)
        for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "consequences": consequences,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "kept": kept,
        "action": request.path,
        "confirmed_field": CONFIRMED,
    }
    return render(request, "confirm.html", context)
