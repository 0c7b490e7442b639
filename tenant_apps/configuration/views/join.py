"""The public join page: member types, eligibility, fees, materials, the joining notice."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import cache_control

from huiji.pagecache import public_page
from tenant_apps.configuration.entries import current_kind, join_entries
from tenant_apps.configuration.models import Notice, UploadRequirement
from tenant_apps.configuration.selectors import (
    current_notices,
    fee_in_force,
    fee_is_due,
    member_types_for_join,
    payment_methods,
)


@public_page
def join(request):
    today = timezone.localdate()
    rows = []
    no_way_to_pay = not payment_methods().any
    # CAQ's 企业入会 / 个人入会 tabs switch what the page shows: that entry's types and fees,
    # and a sign-up button leading into that entry
    entries = join_entries(request.GET.get("kind"))
    kind = current_kind(entries)
    for mtype in member_types_for_join():
        if kind and mtype.kind != kind:
            continue
        fees = list(mtype.fees.all())
        ranks = list(mtype.ranks.all())
        lines = []
        for rank in ranks or [None]:
            fee = fee_in_force(fees, rank_id=rank.pk if rank else None, on=today)
            upcoming = sorted((f for f in fees if f.rank_id == (rank.pk if rank else None)
                               and f.effective_from > today), key=lambda f: f.effective_from)
            lines.append({"rank": rank, "fee": fee, "upcoming": upcoming[:1]})
        rows.append({"type": mtype, "fees": lines, "uploads": list(mtype.uploads.all()),
                     "steps": list(mtype.review_steps.all()),
                     "payable": not (no_way_to_pay and fee_is_due(mtype, today))})
    notices = current_notices()
    return render(request, "configuration/join.html", {
        "rows": rows, "notices": notices,
        "joining_notice": notices.get(Notice.Kind.JOINING_NOTICE),
        "charter": notices.get(Notice.Kind.CHARTER),
        "fee_standard": notices.get(Notice.Kind.FEE_STANDARD),
        "entries": entries, "kind_query": f"?kind={kind}" if kind else "",
        "kind_label": next((e["label"] for e in entries if e["current"]), "")})


def notice(request, kind):
    item = current_notices().get(kind)
    if item is None:
        raise Http404
    return render(request, "configuration/notice.html", {"notice": item})


@cache_control(public=True, max_age=3600)
def template_download(request, code, key):
    """Blank forms are public: anyone deciding whether to apply may read them."""
    upload = get_object_or_404(UploadRequirement, member_type__code=code,
                               member_type__active=True, key=key,
                               template=UploadRequirement.Template.BLANK)
    if not upload.template_file:
        raise Http404
    return FileResponse(upload.template_file.open("rb"), as_attachment=True,
                        filename=upload.template_name or f"{key}.pdf")
