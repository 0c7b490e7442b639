"""The platform's own site on the base domain: landing page and operator console."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from shared_apps.console.forms import AssociationCreateForm
from shared_apps.console.permissions import operator_required
from tenants.models import Association
from tenants.payment_check import online_account_from
from tenants.services import association_create, association_set_status, association_url


def landing(request):
    if request.user.is_authenticated and request.user.is_operator:
        return redirect("console:dashboard")
    return render(request, "console/landing.html")


@operator_required
def association_new(request):
    form = AssociationCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        data = form.cleaned_data
        try:
            result = association_create(
                acting_user=request.user, name=data["name"], slug=data["slug"],
                admin_name=data["admin_name"], admin_email=data["admin_email"] or None,
                admin_phone=data["admin_phone"] or None, profile=data["profile"],
                extra_domains=(data["extra_domain"],) if data["extra_domain"] else (),
                bank_account={"account_name": data["bank_account_name"],
                              "account_number": data["bank_account_number"],
                              "bank_name": data["bank_bank_name"]},
                online_accounts=tuple(filter(None, (online_account_from("wechat", data),
                                                    online_account_from("alipay", data)))),
                database=data.get("database") or "")
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            messages.success(request, _("%(name)s is ready.") % {"name": result.association.name})
            return render(request, "console/association_created.html", {
                "result": result, "url": association_url(result.association)})
    # Refused input answers with its status (400, 409 when the name is taken): nothing made.
    return render(request, "console/association_new.html", {"form": form}, status=status)


@operator_required
@require_POST
def association_status(request, slug):
    association = get_object_or_404(Association, slug=slug)
    status = request.POST.get("status", "")
    if status == Association.Status.SUSPENDED and request.POST.get("confirm") != "yes":
        # Suspending closes an association's whole site: asked again on a page of its own
        # (no inline script may ask; CSP forbids it).
        return render(request, "console/suspend_confirm.html", {"target": association})
    try:
        association_set_status(acting_user=request.user, association=association,
                               status=status, reason=request.POST.get("reason", ""))
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s: status changed.") % {"name": association.name})
    return redirect("console:dashboard")
