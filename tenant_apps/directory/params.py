"""The member list's URL parameters: their names (other pages link to them), how they are
checked (a Django form: an unknown status or a bad date is a translated message and a 400,
never a 500) and their canonical query string (for links, saved searches and paging).

    q            name, pinyin (zhangsan), initials (zs), unit name, phone, e-mail, member
                 number, credit code
    type         member type code (repeatable)      rank     rank code (repeatable)
    status       active|overdue|suspended|lapsed|withdrawn (repeatable)
    branch       branch code (repeatable)           interest interest-branch code (repeatable)
    region       province or city code (GB/T 2260)  title    title (技术职称)
    school       school or work unit, its beginning referral referral channel or branch code
    joined_from, joined_to   joined between (YYYY-MM-DD)
    valid_from, valid_to     valid until between (YYYY-MM-DD)
    arrears=1    in arrears (0: not)
    sort         number, -number, name, joined, -joined, valid_until, -valid_until
    page         1, 2, ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from huiji.errors import AppError

MULTI = ("type", "rank", "status", "branch", "interest")
SINGLE = ("q", "region", "title", "school", "referral", "joined_from", "joined_to",
          "valid_from", "valid_to", "arrears", "sort")
# The order of the canonical query string; `page` last.
KEYS = ("q", "type", "rank", "status", "branch", "interest", "region", "title", "school",
        "referral", "joined_from", "joined_to", "valid_from", "valid_to", "arrears", "sort",
        "page")
SORTS = {
    "number": ("number",), "-number": ("-number",),
    "name": ("name_pinyin", "number"),
    "joined": ("joined_on", "number"), "-joined": ("-joined_on", "-number"),
    "valid_until": ("valid_until", "number"), "-valid_until": ("-valid_until", "-number"),
}
DEFAULT_SORT = "number"
SORT_LABELS = {
    "number": gettext_lazy("Member number"), "-number": gettext_lazy("Member number, last first"),
    "name": gettext_lazy("Name (pinyin)"), "joined": gettext_lazy("Joined, earliest first"),
    "-joined": gettext_lazy("Joined, latest first"),
    "valid_until": gettext_lazy("Valid until, soonest first"),
    "-valid_until": gettext_lazy("Valid until, latest first"),
}
_DATE = {"input_formats": ["%Y-%m-%d"], "required": False}


class Choices:
    """What the association configured, read once per request (four queries): member types
    with their ranks, branches (those the viewer may filter by), referral channels, titles."""

    def __init__(self, branches=None) -> None:
        from tenant_apps.configuration.models import Branch, MemberType, ReferralChannel

        self.types = list(MemberType.objects.prefetch_related("ranks"))
        self.branches = list(branches if branches is not None
                             else Branch.objects.filter(active=True))
        self.all_branches = {b.pk: b for b in Branch.objects.all()} \
            if branches is not None else {b.pk: b for b in self.branches}
        self.channels = list(ReferralChannel.objects.filter(active=True))
        self.titles, self.interest = _document_choices()

    @property
    def type_by_code(self) -> dict:
        return {t.code: t for t in self.types}

    def ranks(self) -> list:
        return [r for t in self.types for r in t.ranks.all()]


def _document_choices() -> tuple[list[str], bool]:
    """The titles the forms offer (a choice field keyed `title`), and whether any type asks
    for interest branches (a multiple choice of branches): one query of the form fields."""
    from django.db.models import Q

    from tenant_apps.configuration.models import FormField
    from tenant_apps.directory.services import TITLE_KEYS

    titles: list[str] = []
    interest = False
    for kind, options in FormField.objects.filter(
            Q(key__in=TITLE_KEYS, type="choice")
            | Q(type="multichoice", options__choices_from="branches")).values_list(
            "type", "options"):
        if kind == "multichoice":
            interest = True
            continue
        for choice in (options or {}).get("choices") or []:
            label = choice.get("value") if isinstance(choice, dict) else choice
            if label and str(label) not in titles:
                titles.append(str(label))
    return titles, interest


# A code that is not among the choices (a hand-edited link, another branch's code for a
# branch administrator) is answered without echoing the code, which means nothing to a person.
_OFFERED = {"invalid_choice": gettext_lazy("Choose one of the options offered.")}


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label=gettext_lazy("Search"))
    type = forms.MultipleChoiceField(required=False, error_messages=_OFFERED,
                                     label=gettext_lazy("Member type"))
    rank = forms.MultipleChoiceField(required=False, error_messages=_OFFERED,
                                     label=gettext_lazy("Rank"))
    status = forms.MultipleChoiceField(required=False, error_messages=_OFFERED,
                                       label=gettext_lazy("Status"))
    branch = forms.MultipleChoiceField(required=False, error_messages=_OFFERED,
                                       label=gettext_lazy("Branch"))
    interest = forms.MultipleChoiceField(required=False, error_messages=_OFFERED,
                                         label=gettext_lazy("Interest branch"))
    region = forms.CharField(max_length=40, required=False, label=gettext_lazy("Region"))
    title = forms.CharField(max_length=100, required=False,
                            label=pgettext_lazy("professional title", "Title"))
    school = forms.CharField(max_length=100, required=False,
                             label=gettext_lazy("School or work unit"))
    referral = forms.ChoiceField(required=False, error_messages=_OFFERED,
                                label=gettext_lazy("Referral"))
    joined_from = forms.DateField(label=gettext_lazy("Joined from"), **_DATE)
    joined_to = forms.DateField(label=gettext_lazy("Joined until"), **_DATE)
    valid_from = forms.DateField(label=gettext_lazy("Valid until, from"), **_DATE)
    valid_to = forms.DateField(label=gettext_lazy("Valid until, to"), **_DATE)
    arrears = forms.ChoiceField(required=False, error_messages=_OFFERED,
                                label=gettext_lazy("In arrears"),
                                choices=[("", "—"), ("1", gettext_lazy("In arrears")),
                                         ("0", gettext_lazy("Not in arrears"))])
    sort = forms.ChoiceField(required=False, error_messages=_OFFERED, label=gettext_lazy("Sort"),
                             choices=list(SORT_LABELS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=100000,
                              label=gettext_lazy("Page"))

    def __init__(self, data, *, choices: Choices) -> None:
        super().__init__(data)
        from tenant_apps.memberships.models import Membership

        self.choices = choices
        self.fields["type"].choices = [(t.code, t.name) for t in choices.types]
        self.fields["rank"].choices = list(dict.fromkeys(
            (r.code, r.name) for r in choices.ranks()))
        self.fields["status"].choices = Membership.Status.choices
        self.fields["branch"].choices = [(b.code, b.name) for b in choices.branches]
        self.fields["interest"].choices = [(b.code, b.name)
                                           for b in choices.all_branches.values()]
        self.fields["referral"].choices = [("", "—")] + [
            (c.code, c.label) for c in choices.channels] + [
            (b.code, b.name) for b in choices.all_branches.values()
            if b.code not in {c.code for c in choices.channels}]

    def clean_q(self):
        q = " ".join(self.cleaned_data.get("q", "").split())
        if "\x00" in q:
            raise forms.ValidationError(_("Null characters are not allowed."))
        return q

    def clean(self):
        data = super().clean()
        for low, high in (("joined_from", "joined_to"), ("valid_from", "valid_to")):
            if data.get(low) and data.get(high) and data[low] > data[high]:
                self.add_error(high, _("The end comes before the start."))
        for key in ("region", "title", "school"):
            if "\x00" in (data.get(key) or ""):
                self.add_error(key, _("Null characters are not allowed."))
        return data


def _as_lists(params) -> dict[str, list[str]]:
    """Any mapping of parameters (a QueryDict, a dict of strings or lists, cleaned values)
    as {key: [strings]} of the known keys, empty values dropped."""
    out: dict[str, list[str]] = {}
    if params is None:
        return out
    for key in KEYS:
        if hasattr(params, "getlist"):
            values = params.getlist(key)
        else:
            value = params.get(key) if isinstance(params, Mapping) else None
            values = value if isinstance(value, list | tuple) else [value]
        strings = []
        for value in values:
            if value is None or value == "" or value is False:
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif value is True:
                value = "1"
            strings.append(str(value))
        if strings:
            out[key] = strings
    return out


def parse_params(params, *, choices: Choices | None = None) -> dict:
    """The cleaned parameters: {"q": str, "type": [codes], ..., "joined_from": date|None,
    "arrears": "1"|"0"|"", "sort": key, "page": int}. Raises AppError (400) with the field's
    label and its translated message."""
    from django.http import QueryDict

    choices = choices or Choices()
    data = QueryDict(mutable=True)
    for key, values in _as_lists(params).items():
        data.setlist(key, values)
    form = SearchForm(data, choices=choices)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        message = _("%(field)s: %(error)s") % {"field": label, "error": errors[0]} \
            if label else errors[0]
        raise AppError("invalid_filter", message, field=field)
    cleaned = form.cleaned_data
    cleaned["sort"] = cleaned.get("sort") or DEFAULT_SORT
    cleaned["page"] = cleaned.get("page") or 1
    return cleaned


def canonical_query(params, **changes) -> str:
    """The query string of these parameters in one canonical form (fixed key order, repeated
    values sorted, the default sort and page 1 left out), for links others build (dashboard
    numbers, saved searches, paging). `changes` replace keys (None removes one):
    canonical_query(params, status="active", page=None), canonical_query(params, page=3)."""
    lists = _as_lists(params)
    for key, value in changes.items():
        lists.pop(key, None)
        if value not in (None, "", [], ()):
            lists.update(_as_lists({key: value}))
    if lists.get("sort") == [DEFAULT_SORT]:
        lists.pop("sort")
    if lists.get("page") == ["1"]:
        lists.pop("page")
    pairs = []
    for key in KEYS:
        values = lists.get(key) or []
        values = sorted(dict.fromkeys(values)) if key in MULTI else values[-1:]
        pairs += [(key, v) for v in values]
    return urlencode(pairs)
