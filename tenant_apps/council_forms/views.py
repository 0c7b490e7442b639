"""完善理事资料 pages (docs/council-forms.md):

- the member: `/member/council-forms/` (待完善 with 去完善, 已完善资料 with 查看), a form to fill
  or correct `/member/council-forms/<code>/`, what was filled `/member/council-forms/<code>/view/`
  and its PDF;
- staff: `/manage/council-forms/` (per form, who has filled it: 已完善 / 待完善), one member's
  answers and PDF, and the Excel of every filled form.

A member a form does not apply to, or an association without forms, gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenant_apps.council_forms import selectors, services
from tenant_apps.council_forms.documents import answer_pdf, answers_xlsx, shown_rows


def _member_name(membership) -> str:
    from tenant_apps.records.selectors import member_name

    return member_name(membership)


# --- the member -----------------------------------------------------------------------------

@login_required
def mine(request):
    membership = getattr(request.user, "membership", None)
    states = selectors.forms_of(membership)
    if not states:
        raise Http404
    return render(request, "council_forms/mine.html", {
        "pending": [s for s in states if not s.done], "done": [s for s in states if s.done]})


def _state(request, code):
    state = selectors.form_of_member(getattr(request.user, "membership", None), code)
    if state is None:
        raise Http404
    return state


@login_required
def fill(request, code):
    from tenant_apps.applications.forms import answers_from_post, region_data

    state = _state(request, code)
    form = state.form
    if request.method != "POST":
        values = state.answer.answers if state.answer else {}
        return render(request, "council_forms/fill.html", {
            "form": form, "steps": shown_rows(form, values), "done": state.done,
            "region_data": region_data(form.fields)})
    data = answers_from_post(form.fields, request, application=None)
    try:
        services.council_form_answer(acting_user=request.user,
                                     membership=request.user.membership, form=form, data=data)
    except services.AnswersInvalid as exc:
        return render(request, "council_forms/fill.html", {
            "form": form, "steps": shown_rows(form, data, exc.errors), "done": state.done,
            "error": exc, "region_data": region_data(form.fields)}, status=400)
    messages.success(request, _("Saved: “%(title)s” is complete.") % {"title": form.title})
    return redirect("council_forms:view", code=form.code)


@login_required
def view(request, code):
    state = _state(request, code)
    if not state.done:
        return redirect("council_forms:fill", code=code)
    return render(request, "council_forms/view.html", {
        "form": state.form, "answer": state.answer,
        "steps": shown_rows(state.form, state.answer.answers)})


def _pdf(answer) -> HttpResponse:
    body = answer_pdf(answer, _member_name(answer.membership))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="{answer.form.code}-'
                                       f'{answer.membership.number}.pdf"')
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def pdf(request, code):
    state = _state(request, code)
    if not state.done:
        raise Http404
    return _pdf(state.answer)


# --- staff ----------------------------------------------------------------------------------

def _forbidden(request):
    return render(request, "records/forbidden.html", status=403)


@login_required
def overview(request):
    """Who has filled which form: one form at a time (?form=), 已完善 / 待完善 (?state=)."""
    from tenant_apps.records.member_page import page_number

    if not selectors.may_view(request.user):
        return _forbidden(request)
    forms = selectors.active_forms()
    if not forms:
        raise Http404
    form = next((f for f in forms if f.code == request.GET.get("form")), forms[0])
    state = request.GET.get("state", "")
    state = state if state in ("done", "pending") else ""
    page = page_number(request.GET.get("page"))
    rows, total = selectors.overview(form, state=state, page=page)
    return render(request, "council_forms/overview.html", {
        "forms": forms, "form": form, "state": state, "rows": rows, "total": total,
        "page": page, "has_next": page * selectors.PER_PAGE < total})


@login_required
def staff_view(request, code, number):
    if not selectors.may_view(request.user):
        return _forbidden(request)
    answer = selectors.answer_for_staff(request.user, code, number)
    if answer is None:
        raise Http404
    return render(request, "council_forms/staff_view.html", {
        "form": answer.form, "answer": answer,
        "name": selectors._name(answer.membership),
        "steps": shown_rows(answer.form, answer.answers)})


@login_required
def staff_pdf(request, code, number):
    if not selectors.may_view(request.user):
        return _forbidden(request)
    answer = selectors.answer_for_staff(request.user, code, number)
    if answer is None:
        raise Http404
    return _pdf(answer)


@login_required
def export(request, code):
    if not selectors.may_view(request.user):
        return _forbidden(request)
    form = next((f for f in selectors.active_forms() if f.code == code), None)
    if form is None:
        raise Http404
    body = answers_xlsx(form, selectors.answers_of(form))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-"
                            "officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{form.code}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
