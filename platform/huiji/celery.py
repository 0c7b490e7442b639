"""The Celery app, and how a task finds its association's schema.

tenant-schemas-celery carries the schema a task was queued from in the message headers; that
part is kept. Its switching is not: it switches on the `task_prerun` signal and keeps the schema
to go back to on the task object (`task._old_schema`), which is one object shared by every
thread of the process. With tasks run inline (eager, no broker) two requests of two
associations overwrite each other's saved schema, and a request carries on in the other
association's schema. Here the switch happens in the task's own call, the state to restore is a
local variable of that call, and the library's signal handlers are disconnected, so nothing
about a running task is kept anywhere another thread or coroutine can see it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from celery.signals import task_postrun, task_prerun
from tenant_schemas_celery.app import CeleryApp, get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.development")

# The library connects these at import; they are the shared-state switching described above.
UNSAFE_RECEIVERS = {task_prerun: "tenant_schemas_switch_schema",
                    task_postrun: "tenant_schemas_restore_schema"}
for _signal, _uid in UNSAFE_RECEIVERS.items():
    _signal.disconnect(dispatch_uid=_uid)


@contextmanager
def schema_of_task(schema_name: str, aliases):
    """Run the body in `schema_name` on every tenant database, then put each connection back
    exactly as it was (the same tenant object, so the request's tenant and domain stay), even
    when the body raises or switches schemas itself."""
    from django.db import connections
    from django_tenants.utils import get_public_schema_name, get_tenant_model

    from tenants.databases import current_database, is_sharded, switch_database

    database_before = current_database()
    saved = [(connections[alias], connections[alias].tenant,
              connections[alias].include_public_schema) for alias in aliases]
    try:
        for connection, _, _ in saved:
            # With several databases the same schema name on the wrong database is no match.
            if connection.schema_name == schema_name and not is_sharded():
                continue
            if schema_name == get_public_schema_name():
                switch_database(None)
                connections["default"].set_schema_to_public()
            else:
                # Read in public: a tenant schema's search path may not include it.
                connection.set_schema_to_public()
                tenant = get_tenant_model().objects.get(schema_name=schema_name)
                # An association on another database: the task's connection goes there.
                switch_database(tenant.database)
                connections["default"].set_tenant(tenant, include_public=True)
                if connection is not connections["default"]:
                    connection.set_tenant(tenant, include_public=True)
        yield
    finally:
        switch_database(database_before)
        for connection, tenant, include_public in saved:
            if connection.tenant is not tenant or \
                    connection.include_public_schema != include_public:
                connection.set_tenant(tenant, include_public=include_public)


class SchemaTask(TenantTask):
    """Every Huiji task: runs in the schema it was queued from, in a worker and inline alike."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if self.request.called_directly:
            # A plain function call (`outbox_deliver(pk)`): the caller's schema is the one.
            return super().__call__(*args, **kwargs)
        from django_tenants.utils import get_public_schema_name

        schema = get_schema_name_from_task(self, kwargs) or get_public_schema_name()
        with schema_of_task(schema, self.get_tenant_databases()):
            return super().__call__(*args, **kwargs)


class HuijiCelery(CeleryApp):
    task_cls = "huiji.celery:SchemaTask"


def unsafe_schema_switching() -> list[str]:
    """What would still switch schemas through shared state; empty when all is well. Checked at
    start-up (huiji.checks) so that no process runs with it."""
    problems = [f"{uid} is connected to {signal.name}"
                for signal, uid in UNSAFE_RECEIVERS.items()
                if any(key[0] == uid for key, _ in signal.receivers)]
    if not issubclass(app.Task, SchemaTask):
        problems.append(f"tasks are {app.Task.__mro__[1].__name__}, not SchemaTask")
    return problems


app = HuijiCelery("huiji")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
