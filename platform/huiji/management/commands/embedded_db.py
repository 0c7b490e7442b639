"""Status or stop of the embedded PostgreSQL (used when DATABASE_URL is not set)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from huiji.env import env_str


class Command(BaseCommand):
    help = "Show the status of the embedded PostgreSQL, or stop it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if env_str("DATABASE_URL"):
            raise CommandError("DATABASE_URL is set: no embedded PostgreSQL is in use.")
        import pgserver
        from pgserver._commands import pg_ctl

        data = settings.DATA_DIR / "pg"
        server = pgserver.get_server(data, cleanup_mode=None)
        if action == "status":
            self.stdout.write(f"running (pid {server.get_pid()}), data in {data}")
            return
        from django.db import connections

        connections.close_all()
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data, user=server.system_user)
        self.stdout.write(f"stopped the embedded PostgreSQL in {data}")
