"""A small hand-built association for the dashboard and bulk tests: seven members of the
CMES profile (alpha) in 机器人分会 (robot), with their periods, history, joining applications
and orders, on dates chosen so that each figure has a known answer (written out in the
tests). `TODAY` is the day the figures are computed for."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from tenant_apps.accounts.models import Role, User
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.memberships.models import Membership, MembershipEvent, MembershipPeriod
from tenant_apps.records.models import Contact, MemberRecord

TODAY = dt.date(2026, 12, 7)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = dt.date

# number, name, type, status, valid_from, valid_until, phone
MEMBERS = [
    ("R0001", "张三", "regular", "active", D(2026, 3, 10), D(2026, 12, 31), "13912340001"),
    ("R0002", "李四", "regular", "active", D(2026, 3, 20), D(2027, 1, 31), "13912340002"),
    ("S0003", "王五", "senior", "active", D(2025, 6, 1), D(2027, 12, 31), "13912340003"),
    ("R0004", "赵六", "regular", "overdue", D(2025, 1, 5), D(2025, 12, 31), None),
    ("R0005", "钱七", "regular", "suspended", D(2024, 2, 1), D(2025, 12, 31), "13912340005"),
    ("T0006", "孙八", "student", "lapsed", D(2022, 9, 1), D(2026, 6, 30), "13912340006"),
    ("R0007", "周九", "regular", "withdrawn", D(2026, 1, 15), D(2026, 12, 31), "13912340007"),
]


def branch_admin_of(branch: Branch, username: str = "robot-admin") -> User:
    admin = User.objects.create(username=username, name="机器人分会管理员",
                                roles=[Role.BRANCH_ADMIN])
    branch.admins.add(admin)
    return admin


def build(branch_code: str = "robot", *, prefix: str = "") -> dict:
    """The seven members (numbers prefixed with `prefix`), in `branch_code`. Returns
    {number: membership}."""
    branch = Branch.objects.get(code=branch_code)
    types = {t.code: t for t in MemberType.objects.all()}
    out = {}
    for number, name, code, status, start, end, phone in MEMBERS:
        number = prefix + number
        user = User.objects.create(username=f"m-{number}", name=name, phone=phone and (
            phone if not prefix else phone[:-5] + str(50000 + int(phone[-4:]))),
            email=f"{number.lower()}@members.test", roles=[Role.MEMBER])
        membership = Membership.objects.create(
            user=user, member_type=types[code], number=number, status=status,
            activated_at=dt.datetime.combine(start, dt.time(10), SHANGHAI),
            valid_from=start, valid_until=end)
        record = MemberRecord.objects.create(membership=membership, branch=branch,
                                             values={"name": name, "employer": f"{name}的单位"})
        out[number] = membership
        if number.endswith("0001"):
            Contact.objects.create(record=record, role="本人", name=name, mobile=phone)
    m = out
    period = MembershipPeriod.objects.create
    period(membership=m[prefix + "S0003"], kind="join", starts_on=D(2025, 6, 1),
           ends_on=D(2025, 12, 31))
    period(membership=m[prefix + "S0003"], kind="renewal", starts_on=D(2026, 1, 1),
           ends_on=D(2027, 12, 31), years=2)
    period(membership=m[prefix + "R0004"], kind="join", starts_on=D(2025, 1, 5),
           ends_on=D(2025, 12, 31))
    period(membership=m[prefix + "R0001"], kind="join", starts_on=D(2026, 3, 10),
           ends_on=D(2026, 12, 31))
    event = MembershipEvent.objects.create
    event(membership=m[prefix + "T0006"], from_status="active", to_status="lapsed",
          reason="ended", effective_on=D(2026, 7, 1))
    event(membership=m[prefix + "R0007"], from_status="active", to_status="withdrawn",
          reason="withdrawn_by_member", effective_on=D(2026, 5, 1))
    from tenant_apps.directory.services import refresh_entries

    refresh_entries([x.pk for x in out.values()])  # as every write path does
    return out


def build_money(memberships: dict, branch_code: str = "robot") -> None:
    """Four joining applications in the branch (one draft, one at its first review step,
    one approved and waiting for payment, one completed and paid) and three orders (two
    confirmed, one pending)."""
    from tenant_apps.applications.models import Application, ApplicationEvent
    from tenant_apps.billing.models import Order

    branch = Branch.objects.get(code=branch_code)
    senior = MemberType.objects.get(code="senior")
    from tenant_apps.configuration.models import ConfigurationRevision

    revision = ConfigurationRevision.objects.order_by("-id").first()
    noon = dt.datetime(2026, 11, 3, 12, tzinfo=SHANGHAI)
    apps = []
    for n, status in enumerate(["draft", "in_review", "awaiting_payment", "completed"]):
        person = User.objects.create(username=f"applicant-{branch_code}-{n}",
                                     name=f"申请人{n}", roles=[Role.MEMBER])
        app = Application.objects.create(
            applicant=person, member_type=senior, branch=branch, revision=revision,
            status=status, review_position=0 if status == "in_review" else None,
            submitted_at=noon if status != "draft" else None,
            paid_at=noon if status == "completed" else None,
            completed_at=noon if status == "completed" else None)
        if status in ("awaiting_payment", "completed"):
            ApplicationEvent.objects.create(application=app, action="approved",
                                            from_status="in_review", to_status=status)
        apps.append(app)
    first = next(m for k, m in memberships.items() if k.endswith("R0001"))
    third = next(m for k, m in memberships.items() if k.endswith("S0003"))
    order = Order.objects.create
    common = {"kind": "join", "years": 1, "expires_at": noon + dt.timedelta(days=7)}
    order(number=f"O{branch_code}1", transfer_reference=f"T{branch_code[:6]}1",
          payer=first.user, membership=first,
          member_type=MemberType.objects.get(code="regular"), unit_amount_fen=30000,
          amount_fen=30000, status="confirmed", method="wechat", confirmed_at=noon, **common)
    order(number=f"O{branch_code}2", transfer_reference=f"T{branch_code[:6]}2",
          payer=third.user, membership=third,
          member_type=senior, unit_amount_fen=50000, amount_fen=50000, status="confirmed",
          method="bank", confirmed_at=dt.datetime(2026, 10, 15, 9, tzinfo=SHANGHAI), **common)
    order(number=f"O{branch_code}3", transfer_reference=f"T{branch_code[:6]}3",
          payer=apps[2].applicant, application=apps[2], member_type=senior,
          unit_amount_fen=50000, amount_fen=50000, status="pending", **common)
