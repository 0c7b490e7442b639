"""Parsing request parameters with Django forms: a value that does not parse is the caller's
mistake (400 with the field's translated message), never a server error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from huiji.errors import AppError


def parsed(form_class: type[forms.Form], data) -> dict:
    """The form's cleaned data, or an AppError (400) naming the first field that failed."""
    form = form_class(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise AppError("invalid_input", errors[0],
                       field=None if field == forms.forms.NON_FIELD_ERRORS else field)
    return form.cleaned_data


class PageForm(forms.Form):
    """`?page=` of a paged staff list: a whole number from 1 (past the last page shows the
    last one)."""

    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000, error_messages={
        "invalid": gettext_lazy("The page number is not valid."),
        "min_value": gettext_lazy("The page number is not valid."),
        "max_value": gettext_lazy("The page number is not valid.")})
