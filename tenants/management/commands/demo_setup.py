"""Set up the demo platform: migrate, the public site, an operator and the four associations
of ../shared/seeds, each with its administrator. Safe to run again: existing parts are kept."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenants.models import Association
from tenants.services import association_create, association_url, platform_ensure_public

# Demo accounts only: these exist on a developer's machine and are printed on purpose.
OPERATOR = {"username": "operator", "password": "Huiji-operator-2026"}
ASSOCIATIONS = [
    {"slug": "cmes", "profile": "cmes", "admin_name": "学会管理员",
     "admin_email": "admin@cmes.example", "admin_phone": "13800000001"},
    {"slug": "cacem", "profile": "cacem", "admin_name": "协会管理员",
     "admin_email": "admin@cacem.example", "admin_phone": "13800000002"},
    {"slug": "caq", "profile": "caq", "admin_name": "秘书处管理员",
     "admin_email": "admin@caq.example", "admin_phone": "13800000003"},
    {"slug": "jsgas", "profile": "jsgas", "admin_name": "协会管理员",
     "admin_email": "admin@jsgas.example", "admin_phone": "13800000004"},
]
ADMIN_PASSWORD = "Huiji-admin-2026"  # noqa: S105  (demo only)


class Command(BaseCommand):
    help = "Create the demo platform with the four associations of the seed manuals."

    def add_arguments(self, parser):
        parser.add_argument("--skip-migrate", action="store_true")

    def handle(self, *args, **options):
        from tenants.profiles import load_profile

        if not options["skip_migrate"]:
            call_command("migrate_schemas", interactive=False, verbosity=0)
        connection.set_schema_to_public()
        platform_ensure_public()
        if not User.objects.filter(username=OPERATOR["username"]).exists():
            user_create(acting_user=None, name="平台运营", username=OPERATOR["username"],
                        email="operator@huiji.example", password=OPERATOR["password"],
                        roles=[Role.OPERATOR])
        for spec in ASSOCIATIONS:
            if not Association.objects.filter(slug=spec["slug"]).exists():
                name = load_profile(spec["profile"])["association"]["name"]
                association_create(acting_user=None, name=name,
                                   admin_password=ADMIN_PASSWORD, **spec)
        from tenants.demo_payments import GATEWAY_URL, connect_demo_payments

        connect_demo_payments([spec["slug"] for spec in ASSOCIATIONS])
        port = getattr(settings, "DEV_SERVER_PORT", None)
        base = f"http://{settings.BASE_DOMAIN}" + (f":{port}" if port else "")
        out = self.stdout.write
        out("")
        out(f"Payments: WeChat Pay and Alipay go to the fake gateway at {GATEWAY_URL};")
        out("  open the QR code's link to 'scan' and pay. SMS codes appear in this log.")
        out(f"Platform (operator console): {base}/")
        out(f"  operator login: {OPERATOR['username']} / {OPERATOR['password']}")
        for spec in ASSOCIATIONS:
            association = Association.objects.get(slug=spec["slug"])
            out(f"{association.name}: {association_url(association)}")
            out(f"  HQ admin login: {spec['admin_phone']} or {spec['admin_email']}"
                f" / {ADMIN_PASSWORD}")
        out("")
