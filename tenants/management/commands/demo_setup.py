"""Set up the demo platform: migrate, the public site, an operator and the four associations
of ../shared/seeds, each with its administrator. Safe to run again: existing parts are kept."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_context

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
STAFF_PASSWORD = "Huiji-staff-2026"  # noqa: S105  (demo only)
# Staff in every role the associations' review chains and payments need, invited through the
# staff page's service (tenant_apps.accounts.services.staff_invite, without sending the
# invitation) and activated with the one-time token their link carries.
STAFF = {
    "cmes": [
        {"name": "学会审核员", "phone": "13800000011", "roles": ["reviewer"]},
        {"name": "学会财务", "phone": "13800000012", "roles": ["finance"]},
        {"name": "机器人分会管理员", "phone": "13800000013", "roles": ["branch_admin"],
         "branches": ["robot"]},
        {"name": "机械史分会管理员", "phone": "13800000014", "roles": ["branch_admin"],
         "branches": ["mech_history"]},
    ],
    "cacem": [
        {"name": "协会审核员", "phone": "13800000021", "roles": ["reviewer"]},
        {"name": "协会财务", "phone": "13800000022", "roles": ["finance"]},
    ],
    "caq": [
        {"name": "资料审核员", "phone": "13800000031", "roles": ["reviewer"]},
        {"name": "协会财务", "phone": "13800000032", "roles": ["finance"]},
        {"name": "秘书处", "phone": "13800000033", "roles": ["secretariat"]},
    ],
    "jsgas": [
        {"name": "协会财务", "phone": "13800000042", "roles": ["finance"]},
    ],
}


def demo_staff_create(slug: str, admin_phone: str) -> None:
    """Invite and activate the demo staff of one association (in its schema); existing
    accounts are kept."""
    from tenant_apps.accounts.services import account_activate, staff_invite
    from tenant_apps.configuration.models import Branch

    admin = User.objects.get(phone=admin_phone)
    for person in STAFF.get(slug, []):
        if User.objects.filter(phone=person["phone"]).exists():
            continue
        invitation = staff_invite(
            acting_user=admin, name=person["name"], phone=person["phone"],
            roles=person["roles"],
            branches=list(Branch.objects.filter(code__in=person.get("branches", []))),
            send=False)  # activated just below with the printed password: no SMS to set one
        token = invitation.activation_url.rstrip("/").rsplit("/", 1)[1]
        account_activate(user=invitation.user, token=token, password=STAFF_PASSWORD)


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
        from tenants.demo_members import LEGACY_UNITS, MEMBER_PASSWORD, demo_members_create

        for spec in ASSOCIATIONS:
            with schema_context(spec["slug"]):
                demo_staff_create(spec["slug"], spec["admin_phone"])
                demo_members_create(spec["slug"])
                from tenants.demo_market import demo_market_create

                demo_market_create(spec["admin_phone"])
                from tenants.demo_announcements import demo_announcements_create

                demo_announcements_create(spec["slug"], spec["profile"],
                                          User.objects.get(phone=spec["admin_phone"]))
        from tenants.demo_payments import GATEWAY_URL, connect_demo_payments

        connect_demo_payments([spec["slug"] for spec in ASSOCIATIONS])
        port = getattr(settings, "DEV_SERVER_PORT", None)
        base = f"http://{settings.BASE_DOMAIN}" + (f":{port}" if port else "")
        out = self.stdout.write
        out("")
        out(f"Payments: WeChat Pay and Alipay go to the fake gateway at {GATEWAY_URL};")
        out("  open the QR code's link to 'scan' and pay. SMS codes appear in this log.")
        out("Demo members sign in with their phone (see the staff console's member list)"
            f" / {MEMBER_PASSWORD}.")
        out("CACEM's imported units log in for the first time at /first-login/ with their"
            f" liaison's mobile ({', '.join(m for _n, m, _r in LEGACY_UNITS)}): the code is"
            " printed in this log.")
        out(f"Platform (operator console): {base}/")
        out(f"  operator login: {OPERATOR['username']} / {OPERATOR['password']}")
        for spec in ASSOCIATIONS:
            association = Association.objects.get(slug=spec["slug"])
            out(f"{association.name}: {association_url(association)}")
            out(f"  HQ admin login: {spec['admin_phone']} or {spec['admin_email']}"
                f" / {ADMIN_PASSWORD}")
            for person in STAFF.get(spec["slug"], []):
                branches = f" ({', '.join(person['branches'])})" if person.get("branches") \
                    else ""
                out(f"  {'/'.join(person['roles'])}{branches} {person['name']}: "
                    f"{person['phone']} / {STAFF_PASSWORD}")
        out("")
