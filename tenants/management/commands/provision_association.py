"""Create an association from the command line (the operator console uses the same service)."""

from django.core.management.base import BaseCommand, CommandError

from huiji.errors import AppError
from tenants.services import association_create, association_url


class Command(BaseCommand):
    help = "Create an association: schema (cloned from the template), domain and first admin."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-name", required=True)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-phone")
        parser.add_argument("--admin-password",
                            help="Omit to get a one-time activation link instead.")
        parser.add_argument("--profile", default="")
        parser.add_argument("--domain", action="append", default=[],
                            help="An extra custom domain (repeatable).")
        parser.add_argument("--bank-account-name", default="", help="户名 of the account "
                            "members transfer to (needed when the profile has fees and no "
                            "payment account of its own)")
        parser.add_argument("--bank-account-number", default="", help="账号")
        parser.add_argument("--bank-name", default="", help="开户行")

    def handle(self, *args, **options):
        try:
            result = association_create(
                acting_user=None, name=options["name"], slug=options["slug"],
                admin_name=options["admin_name"], admin_email=options["admin_email"],
                admin_phone=options["admin_phone"], admin_password=options["admin_password"],
                profile=options["profile"], extra_domains=tuple(options["domain"]),
                bank_account={"account_name": options["bank_account_name"],
                              "account_number": options["bank_account_number"],
                              "bank_name": options["bank_name"]})
        except AppError as exc:
            raise CommandError(f"{exc.field or exc.code}: {exc.message}") from exc
        url = association_url(result.association)
        self.stdout.write(f"Created {result.association.name}: {url}")
        if result.activation_url:
            self.stdout.write(f"Administrator activation link: {result.activation_url}")
