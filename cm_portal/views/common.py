"""Small helpers every app's views share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed


def method_not_allowed(request: HttpRequest, *allowed: str) -> HttpResponse | None:
    """A 405 unless the request uses one of ``allowed``.

    Call it after the access check: someone who may not see the object gets 404 for every
    method (security.md 2), never a 405 that confirms the object exists.
    """
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed(allowed)


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form field it names, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
