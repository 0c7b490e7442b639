"""Parsing request parameters with Django forms: a value that does not parse is the caller's
mistake (400 with the field's translated message), never a server error."""

from __future__ import annotations

from django import forms

from huiji.errors import AppError


def parsed(form_class: type[forms.Form], data) -> dict:
    """The form's cleaned data, or an AppError (400) naming the first field that failed."""
    form = form_class(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise AppError("invalid_input", errors[0],
                       field=None if field == forms.forms.NON_FIELD_ERRORS else field)
    return form.cleaned_data
