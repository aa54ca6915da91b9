from __future__ import annotations

import re
from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .models import AccessEvent, Organisation, Role, User


class _ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices once, with one plain query: Django's iterator() opens a server-side
    cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three round trips) to read a handful of rows,
    and its len() (a template's for loop asks) is a COUNT query of its own."""

    def __init__(self, field) -> None:
        super().__init__(field)
        self._objects: list | None = None

    def _listed(self) -> list:
        if self._objects is None:
            self._objects = list(self.queryset.all())
        return self._objects

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._listed():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._listed()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._listed())


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` for a short list (organisations, programmes) shown on busy pages."""

    iterator = _ListedChoiceIterator


class RefuseWhatDoesNotFit:
    """A form mixin: no ``maxlength`` on the inputs, so an over-long name is refused with a
    message at the field's limit instead of being cut short by the browser without a word
    (issue 17: two names cut at 100 characters were then taken for duplicates)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            field.widget.attrs.pop("maxlength", None)


class FocusFirstError:
    """A form mixin: after a refused save the first field in error has ``autofocus``.

    The browser then moves the focus and the view to it on its own, without JavaScript,
    however far down the page the field is (issue 17). Pair it with
    ``_error_summary.html`` at the top of the form, which links to every field in error.
    """

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None)
        if not errors:
            return
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if name in errors and not field.widget.is_hidden:
                field.widget.attrs["autofocus"] = True
                return


class HiddenFieldErrorsShown:
    """A form mixin: an error on a hidden field (a plan's version) becomes a form error.

    The pages render a hidden field as the bare input, so its error would be shown nowhere
    and the person would see the same form again without a word. Only a page that is out
    of date or was tampered with posts a wrong hidden value.
    """

    hidden_field_error = _(
        "The form could not be read. Open the page again and repeat your change."
    )

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None)
        if not errors:
            return
        hidden = [
            name
            for name, field in self.fields.items()  # type: ignore[attr-defined]
            if field.widget.is_hidden and name in errors
        ]
        for name in hidden:
            del errors[name]
        if hidden:
            self.add_error(None, self.hidden_field_error)  # type: ignore[attr-defined]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or the password is wrong."),
        "inactive": _("This account is deactivated."),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the six digits your app shows."))
        return token


class StaffForm(RefuseWhatDoesNotFit, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "organisation", "role"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation.queryset = Organisation.objects.order_by("name")
        organisation.empty_label = None

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("There is already an account with this e-mail address."))
        return email


class StaffCreateForm(StaffForm):
    send_link = forms.BooleanField(
        label=_("E-mail a link to set the password now"), required=False, initial=True
    )

    class Meta(StaffForm.Meta):
        pass


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Search name or e-mail"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.order_by("name"),
        empty_label=_("All organisations"),
        to_field_name="slug",
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )


class AccessLogFilterForm(forms.Form):
    actor = forms.CharField(label=_("Account (e-mail)"), required=False, max_length=254)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AccessEvent.Action.choices],
    )
    # A choice, not free text: the reader picks from the kinds the portal writes.
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        from .access_log_display import object_type_choices

        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["object_type"])
        field.choices = [("", _("All kinds")), *object_type_choices()]

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The from date must not be after the to date."))
        return cleaned


class LogReviewDrawForm(forms.Form):
    period_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    sample_size = forms.IntegerField(
        label=_("Number of accesses to check"), min_value=1, max_value=200, initial=20
    )


class LogReviewSignOffForm(forms.Form):
    comment = forms.CharField(
        label=_("What you checked and what you found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
