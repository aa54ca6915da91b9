"""Reading a model's field definitions where a check must match the database's limits."""

from __future__ import annotations

from django.db import models


def max_length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of the text field ``name``, so a service can refuse a value with
    a message before the database refuses it with an error."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a text field with a max_length")
    return field.max_length
