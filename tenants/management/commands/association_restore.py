"""Restore an association archive: as a new association, or over an existing one."""

from django.core.management.base import BaseCommand, CommandError

from huiji.errors import AppError
from tenants.models import Association
from tenants.transfer import association_restore_new, association_restore_over


class Command(BaseCommand):
    help = ("Restore an archive made by association_export. Checksums, signature and "
            "migration state are verified before anything changes (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("path")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--as-new", metavar="SLUG",
                            help="Restore as a new association with this short name.")
        target.add_argument("--over", metavar="SLUG",
                            help="Replace this association's data and files with the "
                                 "archive's (needs --confirm SLUG).")
        parser.add_argument("--confirm", default="",
                            help="With --over: the association's short name again.")
        parser.add_argument("--name", help="With --as-new: the new association's name "
                                           "(default: the archive's).")
        parser.add_argument("--domain", action="append", default=[],
                            help="With --as-new: an extra custom domain (repeatable).")

    def handle(self, *args, path, as_new, over, confirm, name, domain, **options):
        try:
            if as_new:
                result = association_restore_new(acting_user=None, path=path, slug=as_new,
                                                 name=name, domains=tuple(domain))
            else:
                association = Association.objects.filter(slug=over).first()
                if association is None:
                    raise CommandError(f"No association with the short name {over!r}.")
                result = association_restore_over(acting_user=None, path=path,
                                                  association=association, confirm=confirm)
        except AppError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Restored {result.association.slug}: {result.tables} tables, "
                          f"{result.rows} rows, {result.files} files")
