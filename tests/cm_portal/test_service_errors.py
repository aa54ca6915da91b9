"""add_service_errors: the one way views put a service's ValidationError on a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from cm_portal.views.common import add_service_errors


class _Form(forms.Form):
    title = forms.CharField(required=False)
    sent_on = forms.CharField(required=False)


class _Row(forms.Form):
    name = forms.CharField(required=False)


_Rows = forms.formset_factory(_Row, extra=0)


def _bound(form_class=_Form, **data):
    form = form_class(data)
    assert form.is_valid()
    return form


def test_a_named_field_gets_its_error_and_the_rest_go_on_the_form():
    form = _bound()
    add_service_errors(form, ValidationError({"title": "Too long.", "unknown": "Odd."}))
    assert form.errors["title"] == ["Too long."]
    assert form.non_field_errors() == ["Odd."]


def test_an_error_without_fields_goes_on_the_form():
    form = _bound()
    add_service_errors(form, ValidationError("Refused."))
    assert form.non_field_errors() == ["Refused."]


def test_renamed_fields_rows_and_formsets():
    form = _bound()
    rows = [_bound(_Row), _bound(_Row)]
    formset = _Rows({"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"})
    assert formset.is_valid()
    add_service_errors(
        form,
        ValidationError(
            {
                "invitation_sent_on": "Not in the future.",
                "paths[1].name": "Give a name.",
                "paths[0].other": "Row-wide.",
                "chain": "Add a link.",
            }
        ),
        renamed={"invitation_sent_on": "sent_on"},
        rows={"paths": rows},
        formsets={"chain": formset},
    )
    assert form.errors["sent_on"] == ["Not in the future."]
    assert rows[1].errors["name"] == ["Give a name."]
    assert rows[0].non_field_errors() == ["Row-wide."]
    assert list(formset.non_form_errors()) == ["Add a link."]
    assert form.non_field_errors() == []
