"""System checks run by every management command (runserver, migrate, check)."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def tasks_keep_their_schema(app_configs, **kwargs):
    """Tasks switch schemas only inside their own call (huiji.celery.SchemaTask). Anything that
    brings back tenant-schemas-celery's shared-state switching would let two associations'
    requests swap schemas, so it stops start-up."""
    from huiji.celery import unsafe_schema_switching

    return [Error(problem, id="huiji.E001",
                  hint="Use huiji.celery.app; do not connect tenant-schemas-celery's "
                       "switch_schema/restore_schema signal handlers.")
            for problem in unsafe_schema_switching()]
