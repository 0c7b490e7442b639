"""Certificate pages (docs/certificates.md), by audience:

- the member: 我的证书 `/member/certificates/` (view, download, print; the photo the
  certificate waits for; a paper certificate's making and mailing);
- the public: 证书查询 `/verify/` (number and name) and `/verify/<code>/` (the QR code, or the
  short code typed), without login, rate-limited by client address;
- staff: re-issue and revoke on the member page, the paper-certificate queue
  `/manage/certificates/paper/`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.accounts.capabilities import can, can_for_member
from tenant_apps.certificates import selectors
from tenant_apps.certificates.models import Certificate

# --- the member ---------------------------------------------------------------------------------


def _mine(request, number: str) -> Certificate:
    certificate = selectors.certificate_of_member(request.user, number)
    if certificate is None:
        raise Http404
    return certificate


@login_required
def my_certificates(request):
    """我的证书: the member's certificates (current first, then the history), the photo upload
    where the certificate waits for one."""
    membership = getattr(request.user, "membership", None)
    return render(request, "certificates/mine.html", _mine_context(membership))


def _mine_context(membership, **extra) -> dict:
    from tenant_apps.certificates.services import short_code_shown
    from tenant_apps.memberships.menu import cards_only

    rows = selectors.certificates_of(membership)
    return {
        "membership": membership,
        # CAQ's members get only a member card: the page is 我的会员卡, as its menu says
        "page_title": pgettext("member menu", "My member card") if cards_only(membership)
        else pgettext("member menu", "My certificates"),
        "current": [_row(c, short_code_shown) for c in rows if c.status == "issued"],
        "history": [_row(c, short_code_shown) for c in rows if c.status != "issued"],
        "photo_needed": selectors.photo_needed(membership),
        "expected": selectors.documents_for(membership, selectors.type_doc_of(membership))
        if membership else [],
        **extra,
    }


def _row(certificate: Certificate, short_code_shown) -> dict:
    return {"c": certificate, "short_code": short_code_shown(certificate),
            # what a verification shows now (已暂停, 已过期…): the member reads the same
            "verdict": selectors.live_status(certificate, certificate.membership),
            "type_label": selectors.type_label(certificate.shown),
            "paper_hint": selectors.PAPER_HINTS.get(certificate.paper_state, "")}


@login_required
@require_POST
def photo_upload(request):
    from tenant_apps.certificates.services import certificate_photo_upload

    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise Http404
    try:
        issued = certificate_photo_upload(acting_user=request.user, membership=membership,
                                          uploaded=request.FILES.get("photo"))
    except AppError as exc:
        return render(request, "certificates/mine.html",
                      _mine_context(membership, error=exc), status=exc.status)
    messages.success(request, _("Your photo is saved; your certificate is issued.") if issued
                     else _("Your photo is saved."))
    return redirect("certificates:mine")


def _file(certificate: Certificate, fmt: str, *, download: bool) -> HttpResponse:
    from tenant_apps.certificates.services import certificate_file

    body = certificate_file(certificate, fmt)
    response = HttpResponse(body, content_type="application/pdf" if fmt == "pdf"
                            else "image/png")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{certificate.number}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_image(request, number: str):
    return _file(_mine(request, number), "png", download=False)


@login_required
def certificate_pdf(request, number: str):
    return _file(_mine(request, number), "pdf", download=True)


@login_required
def certificate_print(request, number: str):
    certificate = _mine(request, number)
    return render(request, "certificates/print.html", {"c": certificate})


# --- the public ---------------------------------------------------------------------------------

def _limited(request) -> bool:
    """Too many lookups from this client address in the last hour (huiji.clientip)."""
    from django.conf import settings
    from django.core.cache import cache

    from huiji.clientip import client_ip

    ip = client_ip(request) or "unknown"
    key = f"certificate-lookups:{ip}"
    if cache.add(key, 1, 3600):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        return False
    return count > settings.CERTIFICATE_LOOKUPS_PER_IP_PER_HOUR


def _verdict_page(request, found: dict | None, *, form: dict | None = None,
                  searched: bool = True):
    status = 200 if found or not searched else 404
    response = render(request, "certificates/verify.html", {
        "found": found, "searched": searched, "form": form or {}}, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _too_many(request, form=None):
    response = render(request, "certificates/verify.html", {
        "limited": True, "form": form or {}, "searched": False}, status=429)
    response["Retry-After"] = "3600"
    return response


def verify_code(request, code: str):
    """The QR code's page (and the short code typed): what the certificate claims and the
    membership's live status; 未找到该证书 for anything else."""
    if _limited(request):
        return _too_many(request)
    return _verdict_page(request, selectors.verification(selectors.certificate_by_code(code)))


def verify_search(request):
    """证书查询: by certificate number and name (Jiangsu), or by the short code."""
    number = request.GET.get("number", "")
    name = request.GET.get("name", "")
    code = request.GET.get("code", "")
    form = {"number": number[:40], "name": name[:100], "code": code[:40]}
    if not (number or name or code):
        return _verdict_page(request, None, searched=False)
    if _limited(request):
        return _too_many(request, form)
    if code.strip():
        found = selectors.certificate_by_code(code.strip())
    elif not number.strip() or not name.strip():
        response = render(request, "certificates/verify.html", {
            "form": form, "searched": False,
            "error": _("Enter the certificate number and the name on the certificate.")},
            status=400)
        return response
    else:
        found = selectors.certificate_by_number_and_name(number, name)
    return _verdict_page(request, selectors.verification(found), form=form)


# --- staff --------------------------------------------------------------------------------------

def _staff_certificate(request, number: str, certificate_number: str):
    from tenant_apps.records.selectors import record_for_staff

    if not request.user.is_authenticated:
        return None, None
    record = record_for_staff(viewer=request.user, number=number)
    if record is None:
        return None, None
    certificate = Certificate.objects.filter(membership=record.membership,
                                             number=certificate_number).first()
    return record, certificate


@login_required
def staff_action(request, number: str, certificate_number: str, action: str):
    """重新颁发 / 注销 a member's certificate, with a reason (audited): a page to confirm whose
    form posts here."""
    from tenant_apps.certificates.services import certificate_reissue, certificate_revoke

    record, certificate = _staff_certificate(request, number, certificate_number)
    if certificate is None:
        return render(request, "records/no_record.html", status=404)
    if not can_for_member(request.user, "certificates.manage", record.membership):
        return render(request, "records/forbidden.html", status=403)
    context = {"record": record, "membership": record.membership, "c": certificate,
               "action": action, "reason": ""}
    if request.method != "POST":
        return render(request, "certificates/staff_action.html", context)
    reason = request.POST.get("reason", "")
    service = certificate_reissue if action == "reissue" else certificate_revoke
    try:
        result = service(acting_user=request.user, certificate=certificate, reason=reason)
    except AppError as exc:
        return render(request, "certificates/staff_action.html",
                      {**context, "reason": reason, "error": exc}, status=exc.status)
    if action == "reissue":
        messages.success(request, _("Certificate %(number)s is issued in place of %(old)s.")
                         % {"number": result.number, "old": certificate.number})
    else:
        messages.success(request, _("Certificate %(number)s is revoked.")
                         % {"number": certificate.number})
    return redirect(reverse("records:member", args=[number]) + "?show=certificates")


@login_required
def staff_pdf(request, certificate_number: str):
    """A certificate's PDF for staff (a paper certificate to print)."""
    if not _paper_staff(request):
        return render(request, "records/forbidden.html", status=403)
    certificate = Certificate.objects.filter(number=certificate_number).select_related(
        "membership").first()
    if certificate is None:
        raise Http404
    if not can_for_member(request.user, "certificates.manage", certificate.membership):
        return render(request, "records/forbidden.html", status=403)
    return _file(certificate, "pdf", download=True)


def _paper_staff(request):
    return request.user.is_authenticated and can(request.user, "certificates.manage")


def _queue_page(request, *, state: str, number: int, error=None, status: int = 200):
    rows, total = selectors.paper_queue(state=state, page=number)
    return render(request, "certificates/paper_queue.html", {
        "rows": [_row(c, lambda c: "") for c in rows], "total": total, "state": state,
        "states": Certificate.Paper.choices, "page": number, "error": error,
        "has_next": number * 50 < total}, status=status)


def _state(value) -> str:
    return value if value in Certificate.Paper.values else ""


@login_required
def paper_queue(request):
    """纸质证书: the paper certificates to make, print and mail, oldest first, by state."""
    from tenant_apps.records.member_page import page_number

    if not _paper_staff(request):
        return render(request, "records/forbidden.html", status=403)
    return _queue_page(request, state=_state(request.GET.get("state")),
                       number=page_number(request.GET.get("page")))


@login_required
def paper_print(request):
    """下载本页待制作证书: one page of the 待制作 queue (as the queue shows it) as one PDF to
    print, a certificate a page (render.Book: the background stored once)."""
    from tenant_apps.certificates.render import Book
    from tenant_apps.certificates.services import certificate_drawing
    from tenant_apps.records.member_page import page_number

    if not _paper_staff(request):
        return render(request, "records/forbidden.html", status=403)
    rows, _total = selectors.paper_queue(state=Certificate.Paper.TO_MAKE,
                                         page=page_number(request.GET.get("page")))
    if not rows:
        messages.info(request, _("No paper certificates are waiting to be made."))
        return redirect(reverse("certificates:paper") + "?state=to_make")
    book, designs = Book(title=_("Paper certificates")), {}
    for certificate in rows:
        book.page(**certificate_drawing(certificate, designs))
    response = HttpResponse(book.finish(), content_type="application/pdf")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="paper-certificates-{stamp}.pdf"'
    return response


@login_required
@require_POST
def paper_mark_page(request):
    """全部标记已打印: the certificates of the page just printed (their numbers posted)."""
    from tenant_apps.certificates.services import paper_mark_printed_many

    if not _paper_staff(request):
        return render(request, "records/forbidden.html", status=403)
    marked = paper_mark_printed_many(acting_user=request.user,
                                     numbers=request.POST.getlist("number"))
    messages.success(request, ngettext("%(n)d paper certificate is marked printed.",
                                       "%(n)d paper certificates are marked printed.",
                                       marked) % {"n": marked})
    return redirect(reverse("certificates:paper") + "?state=to_make")


@login_required
@require_POST
def paper_mark(request, certificate_number: str, action: str):
    """已打印 / 已邮寄 (with the tracking number): a refusal shows the queue again with the
    message and its status, nothing changed."""
    from tenant_apps.certificates.services import paper_mark_mailed, paper_mark_printed

    if not _paper_staff(request):
        return render(request, "records/forbidden.html", status=403)
    certificate = Certificate.objects.filter(number=certificate_number, kind="paper").first()
    if certificate is None:
        raise Http404
    state = _state(request.POST.get("state"))
    try:
        if action == "printed":
            paper_mark_printed(acting_user=request.user, certificate=certificate)
            messages.success(request, _("%(number)s is marked printed.")
                             % {"number": certificate.number})
        else:
            paper_mark_mailed(acting_user=request.user, certificate=certificate,
                              tracking_number=request.POST.get("tracking_number", ""))
            messages.success(request, _("%(number)s is marked mailed; the member is told.")
                             % {"number": certificate.number})
    except AppError as exc:
        return _queue_page(request, state=state, number=1,
                           error={"number": certificate.number, "message": exc.message},
                           status=exc.status)
    return redirect(reverse("certificates:paper") + (f"?state={state}" if state else ""))
