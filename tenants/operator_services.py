"""What an operator changes on an association's console page: its name, its short name (with
the old host kept as a redirecting alias), its domains and its HQ administrators. Runs in
the public schema; the administrators' part runs in the association's schema through the
staff services (the same invitation, outbox message and audit as the staff page's).

Every change writes one row to the platform's audit log (public schema) about the
association, which its page lists."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import Invitation, staff_activation_resend, staff_invite
from tenants.acting import operator_in_schema as _in_schema
from tenants.models import Association, Domain
from tenants.services import _validate_slug

# A host name: labels of letters, digits and inner hyphens (punycode for Chinese names).
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}"
                   r"[a-z0-9]$")


def _locked(association: Association) -> Association:
    locked = Association.objects.select_for_update().get(pk=association.pk)
    if locked.schema_name == get_public_schema_name():
        raise AppError("public_not_changeable", _("The platform itself is not changed here."))
    return locked


@transaction.atomic
def association_rename(*, acting_user, association: Association, name: str) -> Association:
    name = (name or "").strip()
    if not name:
        raise AppError("name_required", _("Enter the association's name."), field="name")
    if len(name) > 200 or "\x00" in name:
        raise AppError("name_invalid", _("The name must be plain text of at most 200 "
                                         "characters."), field="name")
    locked = _locked(association)
    before = locked.name
    if before == name:
        return locked
    locked.name = name
    locked.save(update_fields=["name"])
    audit_record(actor=acting_user, action="association.renamed", target=locked,
                 data={"before": before, "after": name})
    return locked


def _primary_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


@transaction.atomic
def association_change_slug(*, acting_user, association: Association,
                            slug: str) -> Association:
    """A new short name and with it a new primary host `<slug>.<base domain>`. The old host
    stays as an alias answering 301 to the new one. The schema keeps its name: it is
    internal, and renaming it would mean a lock on every table of the association and a
    window in which its requests fail; the check that no other schema has the new name keeps
    a later association with this slug from colliding."""
    slug = (slug or "").strip().lower()
    locked = _locked(association)
    if slug == locked.slug:
        raise AppError("slug_unchanged", _("This is already the association's short name."),
                       field="slug")
    if slug.replace("-", "_") != locked.schema_name:
        _validate_slug(slug, locked.database)
    elif Association.objects.filter(slug=slug).exclude(pk=locked.pk).exists():
        raise AppError("slug_taken", _("An association with this short name already exists."),
                       field="slug", status=409)
    new_host, old_host = _primary_host(slug), _primary_host(locked.slug)
    existing = Domain.objects.select_for_update().filter(domain=new_host).first()
    if existing is not None and existing.tenant_id != locked.pk:
        raise AppError("domain_taken", _("The domain %(domain)s is already in use.")
                       % {"domain": new_host}, field="slug", status=409)
    for domain in Domain.objects.select_for_update().filter(tenant=locked, is_primary=True):
        domain.is_primary = False
        domain.redirect_to_primary = domain.domain == old_host
        domain.save(update_fields=["is_primary", "redirect_to_primary"])
    if existing is not None:  # back to a short name it had before: its alias is primary again
        existing.is_primary, existing.redirect_to_primary = True, False
        existing.save(update_fields=["is_primary", "redirect_to_primary"])
    else:
        Domain.objects.create(domain=new_host, tenant=locked, is_primary=True)
    before = locked.slug
    locked.slug = slug
    try:
        with transaction.atomic():
            locked.save(update_fields=["slug"])
    except IntegrityError as exc:  # another operator took it a moment ago
        raise AppError("slug_taken", _("An association with this short name already exists."),
                       field="slug", status=409) from exc
    audit_record(actor=acting_user, action="association.slug_changed", target=locked,
                 data={"before": before, "after": slug, "redirects": old_host})
    return locked


def _checked_host(domain: str) -> str:
    domain = (domain or "").strip().lower().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")  # 协会.中国 -> xn--...
    except UnicodeError:
        domain = "\x00"
    if not _HOST.match(domain):
        raise AppError("domain_invalid", _("Enter a domain name such as member.example.org.cn."),
                       field="domain")
    base = settings.BASE_DOMAIN
    if domain == base or domain.endswith(f".{base}"):
        raise AppError("domain_platform", _("Subdomains of the platform's own domain come from "
                                            "the short name; enter the association's own "
                                            "domain."), field="domain")
    return domain


@transaction.atomic
def domain_add(*, acting_user, association: Association, domain: str) -> Domain:
    """Another host of the association's site (its own domain, pointed at the platform)."""
    host = _checked_host(domain)
    locked = _locked(association)
    if Domain.objects.filter(domain=host).exists():
        raise AppError("domain_taken", _("The domain %(domain)s is already in use.")
                       % {"domain": host}, field="domain", status=409)
    try:
        with transaction.atomic():
            created = Domain.objects.create(domain=host, tenant=locked, is_primary=False)
    except IntegrityError as exc:
        raise AppError("domain_taken", _("The domain %(domain)s is already in use.")
                       % {"domain": host}, field="domain", status=409) from exc
    audit_record(actor=acting_user, action="association.domain_added", target=locked,
                 data={"domain": host})
    return created


@transaction.atomic
def administrator_add(*, acting_user, association: Association, name: str,
                      phone: str | None, email: str | None) -> Invitation:
    """Another HQ administrator, invited like staff: a one-time activation link by SMS or
    email through the association's outbox, never a password. One transaction across the
    two schemas (one connection): the account and both audit rows, or nothing."""
    locked = _locked(association)
    with schema_context(locked.schema_name):
        invitation = staff_invite(acting_user=_in_schema(acting_user), name=name,
                                  phone=(phone or "").strip() or None,
                                  email=(email or "").strip() or None, roles=[Role.HQ_ADMIN])
    audit_record(actor=acting_user, action="association.admin_invited", target=locked,
                 data={"name": invitation.user.name, "account": str(invitation.user.public_id)})
    return invitation


@transaction.atomic
def administrator_resend(*, acting_user, association: Association,
                         account: str) -> Invitation:
    """A new activation link for an HQ administrator who has not chosen a password yet."""
    locked = _locked(association)
    try:
        public_id = uuid.UUID(str(account))
    except ValueError:
        public_id = None
    with schema_context(locked.schema_name):
        user = (User.objects.filter(public_id=public_id, roles__contains=[Role.HQ_ADMIN])
                .first() if public_id else None)
        if user is None:
            raise AppError("unknown_admin", _("No such administrator."), status=404)
        invitation = staff_activation_resend(acting_user=_in_schema(acting_user), user=user)
    audit_record(actor=acting_user, action="association.admin_link_sent", target=locked,
                 data={"name": invitation.user.name, "account": str(public_id)})
    return invitation
