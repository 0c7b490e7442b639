"""Provisioning and lifecycle of associations (tenants). Runs in the public schema."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, tenant_context

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import account_activation_path, user_create
from tenant_apps.configuration.models import PaymentAccount
from tenant_apps.configuration.profile import fee_types_without_a_way_to_pay
from tenant_apps.configuration.services import (
    payment_secret_set,
    profile_apply,
    revision_record,
)
from tenants.acting import operator_in_schema
from tenants.databases import choose_database, tenant_databases, use_database
from tenants.models import Association, Domain
from tenants.payment_check import OnlineAccount, online_account_check
from tenants.profiles import available_profiles, load_profile
from tenants.schemas import clone_schema, drop_schema, schema_exists, schemas_needing_migration

_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset({
    "www", "admin", "api", "static", "media", "mail", "smtp", "public", "platform", "huiji",
    "template", "operator", "console", "status", "help", "docs", "test", "localhost",
    "new",  # /console/associations/new/ is the onboarding form
})


@dataclass(frozen=True)
class Provisioned:
    association: Association
    admin: User
    # Set when the admin was created without a password: the one-time link to choose one.
    activation_url: str | None


def association_url(association: Association, path: str = "/") -> str:
    # Reads the (usually prefetched) domains in Python: lists of associations stay one query.
    domains = list(association.domains.all())
    domain = next((d for d in domains if d.is_primary), domains[0] if domains else None)
    scheme = "http" if settings.DEBUG or settings.BASE_DOMAIN == "localhost" else "https"
    port = getattr(settings, "DEV_SERVER_PORT", None)
    host = f"{domain.domain}:{port}" if port else domain.domain
    return f"{scheme}://{host}{path}"


def _validate_slug(slug: str, database: str = "default") -> None:
    if not _SLUG.match(slug) or "--" in slug:
        raise AppError("invalid_slug", _(
            "The short name must be 2-40 lowercase letters, digits or hyphens, starting with a "
            "letter."), field="slug")
    if slug in RESERVED_SLUGS or slug.startswith("pg"):
        raise AppError("reserved_slug", _("This short name is reserved."), field="slug")
    with use_database(database):
        leftover = schema_exists(slug.replace("-", "_"))
    if Association.objects.filter(slug=slug).exists() or leftover:
        raise AppError("slug_taken", _("An association with this short name already exists."),
                       field="slug", status=409)


def template_ensure_current(database: str = "default") -> None:
    """Migrate the template schema (on `database`) if the code has migrations it lacks.
    `migrate_schemas` does this on every deploy; checking here too means a clone can never
    miss one."""
    template = settings.TENANT_BASE_SCHEMA
    with use_database(database):
        if not schema_exists(template) or schemas_needing_migration([template]):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(template)}")
            call_command("migrate_schemas", schema_name=template, interactive=False,
                         verbosity=0)
            connection.set_schema_to_public()


def association_create(*, acting_user, name: str, slug: str, admin_name: str,
                       admin_email: str | None = None, admin_phone: str | None = None,
                       admin_password: str | None = None, profile: str = "",
                       extra_domains: tuple[str, ...] = (),
                       bank_account: dict | None = None,
                       online_accounts: tuple[OnlineAccount, ...] = (),
                       database: str = "") -> Provisioned:
    """Create an association: its row, its domains, its schema (a clone of the template), its
    first HQ administrator and its starting profile, all in one transaction. Any failure
    leaves nothing behind: PostgreSQL rolls back the schema with the rows.

    `bank_account` ({account_name, account_number, bank_name}: 户名, 账号, 开户行) is the
    account members transfer to; it is enabled in the starting profile. `online_accounts`
    (WeChat Pay, Alipay: tenants/payment_check.py) are checked against their gateway first
    and enabled with their keys stored encrypted. A profile with fee types needs a way to
    pay: one of its own enabled accounts, or one of these; without, nothing is created.

    `database` is the tenant database to hold its schema (settings.TENANT_DATABASES); by
    default the one with the fewest associations."""
    slug = (slug or "").strip().lower()
    name = (name or "").strip()
    if not name:
        raise AppError("name_required", _("Enter the association's name."), field="name")
    database = database or choose_database()
    if database not in tenant_databases():
        raise AppError("unknown_database", _("Unknown database."), field="database")
    _validate_slug(slug, database)
    if profile and profile not in available_profiles():
        raise AppError("unknown_profile", _("Unknown starting profile."), field="profile")
    document = (starting_document(profile, bank_account, online_accounts) if profile
                else None)
    if not (admin_email or admin_phone):
        raise AppError("admin_contact_required",
                       _("The first administrator needs an email address or a phone number."),
                       field="admin_email")
    extra_domains = tuple(d.strip().lower() for d in extra_domains if d.strip())
    taken = Domain.objects.filter(domain__in=extra_domains).values_list("domain", flat=True)
    if taken:
        raise AppError("domain_taken", _("The domain %(domain)s is already in use.")
                       % {"domain": taken[0]}, field="extra_domain", status=409)
    for account in online_accounts:
        online_account_check(account)  # before anything is created: a refusal leaves nothing
    template_ensure_current(database)
    connection.set_schema_to_public()
    try:
        return _provision(acting_user=acting_user, name=name, slug=slug, admin_name=admin_name,
                          admin_email=admin_email, admin_phone=admin_phone,
                          admin_password=admin_password, profile=profile,
                          document=document, extra_domains=extra_domains,
                          online_accounts=online_accounts if document is not None else (),
                          database=database)
    except (IntegrityError, ProgrammingError) as exc:
        # Two operators creating the same slug (or domain) at once: the loser's unique row or
        # CREATE SCHEMA fails inside the transaction, which rolls back whole.
        connection.set_schema_to_public()
        raise AppError("slug_taken", _("An association with this short name already exists."),
                       field="slug", status=409) from exc


ONLINE_NAMES = {"wechat": _("WeChat Pay"), "alipay": _("Alipay")}
BANK_FIELDS = {"account_name": _("Account name"), "account_number": _("Account number"),
               "bank_name": _("Bank")}


def starting_document(profile: str, bank_account: dict | None,
                      online_accounts: tuple[OnlineAccount, ...] = ()) -> dict:
    """The starting profile's document with the onboarding's bank account in it (enabled).
    Refused when the profile has fee types and still no way to pay: onboarding requires one
    (the operator gives the account, or the profile enables one of its own)."""
    document = copy.deepcopy(load_profile(profile))
    given = {k: str(v).strip() for k, v in (bank_account or {}).items()
             if k in BANK_FIELDS and str(v or "").strip()}
    if given:
        for key, label in BANK_FIELDS.items():
            if key not in given:
                raise AppError("bank_incomplete", _("Give the bank account's %(field)s too.")
                               % {"field": label}, field=f"bank_{key}")
            if len(given[key]) > 200 or "\x00" in given[key]:
                raise AppError("bank_invalid", _("%(field)s must be plain text of at most 200 "
                                                 "characters.") % {"field": label},
                               field=f"bank_{key}")
        accounts = document["payment_accounts"]
        bank = next((a for a in accounts if a["kind"] == "bank"), None)
        if bank is None:
            bank = {"kind": "bank", "display_name": gettext("Bank transfer"), "settings": {}}
            accounts.append(bank)
        bank["enabled"] = True
        bank["settings"] = {**bank["settings"], **given}
    for online in online_accounts:
        accounts = document["payment_accounts"]
        account = next((a for a in accounts if a["kind"] == online.kind), None)
        if account is None:
            account = {"kind": online.kind, "display_name": str(ONLINE_NAMES[online.kind]),
                       "settings": {}}
            accounts.append(account)
        account["enabled"] = True
        account["settings"] = {**account["settings"], **online.settings}
    if fee_types_without_a_way_to_pay(document):
        raise AppError("payment_required", _(
            "This starting profile has member types with a fee, and no way to pay them: give "
            "the bank account members transfer to (account name, account number, bank)."),
            field="bank_account_name")
    return document


def _provision(*, acting_user, name: str, slug: str, admin_name: str, admin_email: str | None,
               admin_phone: str | None, admin_password: str | None, profile: str,
               document: dict | None, extra_domains: tuple[str, ...],
               online_accounts: tuple[OnlineAccount, ...] = (),
               database: str = "default") -> Provisioned:
    schema = slug.replace("-", "_")
    cloned_elsewhere = False
    try:
        with transaction.atomic():
            association = Association(schema_name=schema, slug=slug, name=name,
                                      profile=profile, database=database)
            if profile:
                association.short_name = load_profile(profile)["association"]["short_name"]
            association.save()
            primary = f"{slug}.{settings.BASE_DOMAIN}"
            Domain.objects.create(domain=primary, tenant=association, is_primary=True)
            for extra in extra_domains:
                Domain.objects.create(domain=extra, tenant=association, is_primary=False)
            # On the primary database the schema joins this transaction; on another one it
            # is that database's own transaction, committed first and dropped again below if
            # this one then fails (PostgreSQL has no transaction across databases).
            with use_database(database), transaction.atomic():
                cloned_elsewhere = database != "default"
                admin, activation_path = _fill_schema(acting_user, association, document,
                                                      profile, admin_name, admin_email,
                                                      admin_phone, admin_password,
                                                      online_accounts)
            activation_url = (association_url(association, activation_path)
                              if activation_path else None)
            audit_record(actor=acting_user, action="association.created", target=association,
                         data={"slug": slug, "profile": profile, "database": database,
                               "domains": [primary, *extra_domains]})
            if activation_url and admin.email:
                transaction.on_commit(lambda: send_mail(
                    gettext("Your Huiji administrator account for %(name)s") % {"name": name},
                    gettext("Choose your password here: %(url)s") % {"url": activation_url},
                    None, [admin.email]))
    except BaseException:
        if cloned_elsewhere:
            with use_database(database):
                connection.set_schema_to_public()
                drop_schema(schema)
        raise
    connection.set_schema_to_public()
    return Provisioned(association=association, admin=admin, activation_url=activation_url)


def _fill_schema(acting_user, association: Association, document: dict | None, profile: str,
                 admin_name: str, admin_email: str | None, admin_phone: str | None,
                 admin_password: str | None,
                 online_accounts: tuple[OnlineAccount, ...] = ()) -> tuple[User, str | None]:
    """The new schema (on the current database): the template's clone, the first HQ
    administrator, the starting profile and the online accounts' keys. Returns the admin
    and, when they have no password, the path of their one-time link."""
    clone_schema(settings.TENANT_BASE_SCHEMA, association.schema_name)
    with tenant_context(association):
        # Inside the new schema the operator has no account: their public-schema id would
        # name one of its accounts in `actor` and `created_by` (the first administrator's).
        in_schema = operator_in_schema(acting_user) if acting_user else None
        admin = user_create(acting_user=in_schema, name=admin_name, email=admin_email,
                            phone=admin_phone, password=admin_password, roles=[Role.HQ_ADMIN])
        if document is not None:
            profile_apply(acting_user=in_schema, document=document,
                          filename=f"{profile}.yaml")
            for online in online_accounts:
                stored = PaymentAccount.objects.get(kind=online.kind)
                for secret_name, value in online.secrets.items():
                    payment_secret_set(acting_user=in_schema, account=stored,
                                       name=secret_name, value=value)
        else:
            revision_record(acting_user=in_schema, summary=gettext("Empty configuration"))
        audit_record(actor=None, action="association.provisioned", target=association,
                     data={"by": str(acting_user) if acting_user else "system"})
        activation_path = None if admin_password else account_activation_path(admin)
    connection.set_schema_to_public()
    return admin, activation_path


@transaction.atomic
def association_set_status(*, acting_user, association: Association, status: str,
                           reason: str = "") -> Association:
    """Suspend (with a reason, shown on the suspended page) or resume an association."""
    if status not in Association.Status.values:
        raise AppError("invalid_status", _("Unknown status."), field="status")
    reason = (reason or "").strip()
    if status == Association.Status.SUSPENDED and not reason:
        raise AppError("reason_required", _("Give the reason for suspending: it is shown on "
                                            "the association's site."), field="reason")
    if len(reason) > 500 or "\x00" in reason:
        raise AppError("reason_invalid", _("The reason must be plain text of at most 500 "
                                           "characters."), field="reason")
    locked = Association.objects.select_for_update().get(pk=association.pk)
    if locked.schema_name == get_public_schema_name():
        raise AppError("public_not_suspendable", _("The platform itself cannot be suspended."))
    before = locked.status
    if before == status:
        return locked
    locked.status = status
    locked.suspended_reason = reason if status == Association.Status.SUSPENDED else ""
    locked.save(update_fields=["status", "suspended_reason"])
    audit_record(actor=acting_user, action=f"association.{status}", target=locked,
                 reason=reason, data={"before": before, "after": status})
    return locked


def association_delete(*, acting_user, association: Association) -> None:
    """Remove an association and drop its schema. Used by tests and benchmarks; operators
    suspend instead (data is kept)."""
    connection.set_schema_to_public()
    with transaction.atomic():
        schema = association.schema_name
        audit_record(actor=acting_user, action="association.deleted", target=association)
        association.delete()
        # On another database the drop is committed there at once; the row goes with this
        # transaction.
        with use_database(association.database):
            connection.set_schema_to_public()
            drop_schema(schema)


def platform_ensure_public(*, name: str = "会籍平台") -> Association:
    """The public-schema row and the base domain, which serve the platform's own site."""
    public, _created = Association.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": name, "slug": "public"},
    )
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN,
                                 defaults={"tenant": public, "is_primary": True})
    return public
