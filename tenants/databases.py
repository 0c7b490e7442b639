"""Associations on several databases: which database holds an association's schema, and
putting the connection on it.

The public schema (associations, domains, operators, the console) lives on the primary
database, `default`. Association schemas live on one of `settings.TENANT_DATABASES`: `default`
itself, and any extra database named in `HUIJI_TENANT_DATABASES` (`name=url,name=url`). The
association's row records its database (`Association.database`).

django-tenants knows one database (`TENANT_DB_ALIAS`): its middleware, `schema_context`, its
router (which refuses to migrate any other alias) and every service of ours use
`django.db.connection`, the `default` alias. So instead of routing each query, the `default`
alias itself is pointed at the association's database for the length of a request, a task or
a migration (`use_database`): the code inside runs unchanged, its transactions and
`select_for_update` included, on the right server. Django keeps connections per thread (and
per asyncio context), so one thread's choice never shows in another's.

While `default` points elsewhere, the platform's own tables (models of apps that are only in
SHARED_APPS: associations, domains, the console) are read and written through the `platform`
alias, a second connection to the primary database (see `PlatformRouter`). With no extra
database configured nothing is ever switched and `platform` is never used.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PLATFORM_ALIAS = "platform"


def tenant_databases() -> list[str]:
    """The databases that can hold association schemas, `default` first."""
    return list(getattr(settings, "TENANT_DATABASES", [DEFAULT_DB_ALIAS]))


def is_sharded() -> bool:
    return len(tenant_databases()) > 1


def current_database() -> str:
    """The alias `default` points at in this thread right now."""
    return connections[DEFAULT_DB_ALIAS].alias


def _primary():
    local = connections._connections
    primary = getattr(local, "huiji_primary", None)
    if primary is None:
        primary = connections[DEFAULT_DB_ALIAS]
        if primary.alias != DEFAULT_DB_ALIAS:  # pragma: no cover (set on the first switch)
            raise RuntimeError("the primary connection was lost")
        local.huiji_primary = primary
    return primary


def switch_database(alias: str | None) -> None:
    """Point `default` at `alias` (the primary when None or `default`) in this thread."""
    alias = alias or DEFAULT_DB_ALIAS
    if current_database() == alias:
        return
    if alias not in tenant_databases():
        raise ValueError(f"unknown tenant database {alias!r}")
    primary = _primary()
    target = primary if alias == DEFAULT_DB_ALIAS else connections[alias]
    setattr(connections._connections, DEFAULT_DB_ALIAS, target)


@contextmanager
def use_database(alias: str | None):
    """Run the body with `default` on `alias`, then put back what was there."""
    before = current_database()
    switch_database(alias)
    try:
        yield connections[DEFAULT_DB_ALIAS]
    finally:
        switch_database(before)


@contextmanager
def association_context(association):
    """The association's database and schema, as a request of its host would have them; for
    tasks and management commands that go through associations one by one."""
    from django_tenants.utils import tenant_context

    with use_database(association.database), tenant_context(association):
        yield


def choose_database() -> str:
    """Where a new association goes when the operator does not say: the database holding the
    fewest associations (one grouped count over the public table)."""
    from django.db.models import Count

    from tenants.models import Association

    databases = tenant_databases()
    if len(databases) == 1:
        return databases[0]
    counts = dict(Association.objects.values_list("database").annotate(n=Count("pk"))
                  .values_list("database", "n"))
    return min(databases, key=lambda alias: (counts.get(alias, 0), databases.index(alias)))


def _platform_only(app_label: str) -> bool:
    from django.apps import apps

    name = apps.get_app_config(app_label).name
    return name in settings.SHARED_APPS and name not in settings.TENANT_APPS


class PlatformRouter:
    """The platform's own models go to the primary database while `default` points at an
    association's database; otherwise to `default` as before (returning None defers)."""

    def _route(self, model, **hints):
        if current_database() != DEFAULT_DB_ALIAS and _platform_only(model._meta.app_label):
            return PLATFORM_ALIAS
        return None

    db_for_read = _route
    db_for_write = _route

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        """Migrations on another database run with `default` pointed at it, and name the
        database by its own alias; django-tenants' router answers only for `default`, so the
        question is put to it as such."""
        if db == DEFAULT_DB_ALIAS:
            return None
        if db == PLATFORM_ALIAS or current_database() != db:
            return False  # only through `default`
        from django_tenants.routers import TenantSyncRouter

        allowed = TenantSyncRouter().allow_migrate(DEFAULT_DB_ALIAS, app_label, model_name,
                                                   **hints)
        return allowed is not False

    def allow_relation(self, obj1, obj2, **hints):
        # An association's row (platform) may be the target of rows in its schema (audit).
        return True


# alias -> (settings entry, this thread's connection) before register_database replaced them
_replaced: dict[str, tuple[dict | None, object]] = {}


def register_database(alias: str, url: str, *, conn_max_age: int = 0) -> None:
    """Add a tenant database at run time (the tests' second database), as settings do from
    `HUIJI_TENANT_DATABASES` at start; `unregister_database` puts back what was there."""
    import dj_database_url

    config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    config["ENGINE"] = "django_tenants.postgresql_backend"
    config.setdefault("CONN_HEALTH_CHECKS", True)
    platform = {**connections.settings[DEFAULT_DB_ALIAS], "TEST": {"MIRROR": DEFAULT_DB_ALIAS}}
    for name, entry in ((alias, config), (PLATFORM_ALIAS, platform)):
        _replaced.setdefault(name, (connections.settings.get(name),
                                    getattr(connections._connections, name, None)))
        if hasattr(connections._connections, name):
            # A connection of the old entry (a test's, inside its transaction) stays alive
            # and comes back on unregister; this thread gets one to the new database.
            delattr(connections._connections, name)
        connections.configure_settings({DEFAULT_DB_ALIAS: connections.settings[
            DEFAULT_DB_ALIAS], name: entry})
        settings.DATABASES[name] = entry
        connections.settings[name] = entry
    if alias not in settings.TENANT_DATABASES:
        settings.TENANT_DATABASES = [*settings.TENANT_DATABASES, alias]


def unregister_database(alias: str) -> None:
    settings.TENANT_DATABASES = [a for a in settings.TENANT_DATABASES if a != alias]
    for name in (alias, PLATFORM_ALIAS):
        if name not in _replaced:
            continue
        previous, kept = _replaced.pop(name)
        if hasattr(connections._connections, name):
            getattr(connections._connections, name).close()
            delattr(connections._connections, name)
        if kept is not None:
            setattr(connections._connections, name, kept)
        if previous is None:
            connections.settings.pop(name, None)
            settings.DATABASES.pop(name, None)
        else:
            connections.settings[name] = previous
            settings.DATABASES[name] = previous
