"""Reads for the console's page of one association. Each read touches the public schema or
this one association's schema, never every schema."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.self_service import mask_phone
from tenant_apps.configuration.models import ConfigurationRevision
from tenants.dns import Resolution, resolve_all
from tenants.models import Association, Domain
from tenants.profiles import load_profile

AUDIT_ROWS = 30


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    resolution: Resolution


@dataclass(frozen=True)
class AdministratorRow:
    account: str
    name: str
    # Masked: the operator needs to recognise the person, not to read their contact off a
    # screen (the activation link goes to the contact itself).
    phone: str
    email: str
    activated: bool
    active: bool
    last_login: datetime | None


@dataclass(frozen=True)
class ProfileVersion:
    number: int
    created_at: datetime
    summary: str


def _mask_email(email: str | None) -> str:
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def association_domains(association: Association, *, lookup: bool = True) -> list[DomainRow]:
    domains = sorted(association.domains.all(),
                     key=lambda d: (not d.is_primary, d.redirect_to_primary, d.domain))
    resolved = resolve_all([d.domain for d in domains]) if lookup else {}
    return [DomainRow(d, resolved.get(d.domain, Resolution(None))) for d in domains]


def association_administrators(association: Association) -> list[AdministratorRow]:
    with schema_context(association.schema_name):
        users = list(User.objects.filter(roles__contains=[Role.HQ_ADMIN]).order_by("date_joined")
                     .only("public_id", "name", "phone", "email", "password", "is_active",
                           "last_login"))
    return [AdministratorRow(account=str(u.public_id), name=u.name, phone=mask_phone(u.phone),
                             email=_mask_email(u.email), activated=u.has_usable_password(),
                             active=u.is_active, last_login=u.last_login) for u in users]


def association_profile_version(association: Association) -> ProfileVersion | None:
    """The association's configuration revision now in force (every change staff or an
    import make is a new numbered revision)."""
    with schema_context(association.schema_name):
        revision = (ConfigurationRevision.objects.order_by("-number")
                    .values("number", "created_at", "summary").first())
    return ProfileVersion(**revision) if revision else None


ACTION_LABELS = {
    "association.created": _("Onboarded"),
    "association.suspended": _("Suspended"),
    "association.active": _("Resumed"),
    "association.renamed": _("Renamed"),
    "association.slug_changed": _("Short name changed"),
    "association.domain_added": _("Domain added"),
    "association.admin_invited": _("HQ administrator invited"),
    "association.admin_link_sent": _("Activation link sent again"),
    "association.provisioned": _("Schema created"),
    "association.restored": _("Restored from an export"),
    "association.exported": _("An export was made"),
    "association.export_requested": _("An export was requested"),
    "association.export_downloaded": _("An export was downloaded"),
    "association.export_deleted": _("An export was deleted"),
    "association.export_expired": _("An export was deleted after its keeping period"),
    "association.deleted": _("Association deleted"),
}


@dataclass(frozen=True)
class AuditRow:
    created_at: datetime
    actor_label: str
    action_label: str
    details: str


def profile_label(key: str) -> str:
    """What a person reads for a starting profile: the name of the association it comes
    from (as the onboarding form lists it), not its file name."""
    if not key:
        return ""
    try:
        return load_profile(key)["association"]["name"]
    except KeyError:  # a profile no longer shipped
        return key


def _details(entry: AuditEntry) -> str:
    data = entry.data or {}
    if entry.action in ("association.renamed", "association.slug_changed"):
        return f"{data.get('before', '')} → {data.get('after', '')}"
    if entry.action == "association.created":
        return " ".join(filter(None, [profile_label(data.get("profile", "")),
                                      *data.get("domains", [])]))
    return entry.reason or data.get("domain") or data.get("name") or ""


def association_audit(association: Association) -> list[AuditRow]:
    """The platform's audit rows about this association (operators' actions), newest first."""
    connection.set_schema_to_public()
    entries = AuditEntry.objects.filter(target_type=Association.__name__,
                                        target_id=str(association.pk))[:AUDIT_ROWS]
    return [AuditRow(e.created_at, e.actor_label, str(ACTION_LABELS.get(e.action, e.action)),
                     _details(e)) for e in entries]


def association_figures(association: Association, days: int = 30) -> list[dict]:
    """Figures over time: the association's daily rows of the console's summary
    (shared_apps/platform_stats, written by each refresh), the last `days`, oldest first.
    Empty before its first refresh; the page then says the figures are not collected yet."""
    from huiji.templatetags.money import yuan
    from shared_apps.platform_stats.models import AssociationDay

    rows = list(AssociationDay.objects.filter(association=association).order_by("-day")[:days])
    return [{"day": r.day, "members_active": r.members_active,
             "revenue_yuan": yuan(r.revenue_fen)} for r in reversed(rows)]
