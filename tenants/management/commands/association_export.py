"""Export one association (its schema's rows, its files, its public rows) to a .tar.gz."""

from django.core.management.base import BaseCommand, CommandError

from huiji.errors import AppError
from tenants.models import Association
from tenants.transfer import association_export


class Command(BaseCommand):
    help = ("Export one association to an archive: every table of its schema, its files and "
            "its public rows, with a signed manifest of checksums (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("path", help="The archive to write (.tar.gz); it holds personal "
                            "data and is created readable by its owner only.")

    def handle(self, *args, slug, path, verbosity=1, **options):
        association = Association.objects.filter(slug=slug).first()
        if association is None or association.schema_name == "public":
            raise CommandError(f"No association with the short name {slug!r}.")
        progress = self.stdout.write if verbosity > 1 else None
        try:
            result = association_export(acting_user=None, association=association, path=path,
                                        progress=progress)
        except AppError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{result.path}: {result.tables} tables, {result.rows} rows, "
                          f"{result.files} files, {result.size} bytes, sha256 {result.sha256}")
        for name in result.vanished:
            self.stderr.write(f"vanished while exporting (listed in the manifest): {name}")
