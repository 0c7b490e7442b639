"""`manage.py outbox_sweeper [--every 60] [--once]`: beat's outbox sweep without beat, for the
demo (`deploy/local/demo` starts it beside the server). With eager Celery there is no worker
and no beat: a message whose first delivery failed (the SMS gateway or SMTP server down)
would wait for ever. This process delivers, every `--every` seconds and in every active
association, what is due: retries whose time has come. Deliveries are the outbox's own
(`outbox_send`): at most once, however many sweepers or workers run."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django_tenants.utils import get_public_schema_name

from tenants.databases import association_context

logger = logging.getLogger(__name__)


def sweep_all() -> dict[str, int]:
    """One sweep of every active association's outbox; {slug: messages tried}. One
    association's trouble (its database restarting) does not stop the others."""
    from tenant_apps.notifications.tasks import outbox_sweep
    from tenants.models import Association

    done = {}
    for association in Association.objects.filter(status=Association.Status.ACTIVE) \
            .exclude(schema_name=get_public_schema_name()).order_by("slug"):
        try:
            with association_context(association):
                done[association.slug] = outbox_sweep()
        except Exception:  # logged; the next sweep tries again
            logger.exception("outbox sweep of %s failed", association.slug)
    return done


class Command(BaseCommand):
    help = "Deliver due outbox messages of every association, every --every seconds."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=60.0,
                            help="seconds between two sweeps (default 60, as beat)")
        parser.add_argument("--once", action="store_true", help="one sweep, then stop")

    def handle(self, *args, every=60.0, once=False, **options):
        while True:
            try:
                done = sweep_all()
            except Exception:  # the database away for a moment: try again next time
                logger.exception("outbox sweep failed")
                connections.close_all()
                done = {}
            tried = {slug: n for slug, n in done.items() if n}
            if tried or once:
                self.stdout.write("outbox sweep: " + (", ".join(
                    f"{slug} {n}" for slug, n in tried.items()) or "nothing due"))
            if once:
                return
            time.sleep(every)
            close_old_connections()  # between sweeps, as between requests
