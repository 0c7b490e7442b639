from django.core.management.base import BaseCommand

from shared_apps.platform_stats.services import summaries_refresh


class Command(BaseCommand):
    help = ("Refresh the operator console's summary table now, one association at a time "
            "(all, or those named).")

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="only these associations")

    def handle(self, *args, **options):
        count, seconds = summaries_refresh(slugs=options["slugs"] or None)
        self.stdout.write(f"{count} associations refreshed in {seconds:.1f} s")
