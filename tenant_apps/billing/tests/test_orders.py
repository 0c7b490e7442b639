"""Orders fixed at the fee in force, vouchers confirmed by finance once, expiry."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import application_start, application_submit, review_decide
from tenant_apps.applications.tests.helpers import PDF, PNG, applicant, complete
from tenant_apps.billing.models import Order, OrderStatus, Voucher
from tenant_apps.billing.services import (
    order_cancel,
    order_for_application,
    orders_expire,
    voucher_decide,
    voucher_upload,
)
from tenant_apps.billing.state import check_transition
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.configuration.services import fee_add
from tenants.models import Association
from tenants.services import association_create

# Written out by hand, not read from the table under test.
ORDER_ALLOWED = {
    ("pending", "awaiting_confirmation"), ("pending", "paid"), ("pending", "confirmed"),
    ("pending", "cancelled"), ("pending", "expired"),
    ("awaiting_confirmation", "pending"), ("awaiting_confirmation", "confirmed"),
    ("paid", "confirmed"), ("paid", "refunded"),
    ("confirmed", "refunded"),
}
ORDER_STATUSES = ["pending", "awaiting_confirmation", "paid", "confirmed", "cancelled",
                  "expired", "refunded"]


def test_order_statuses_are_these():
    assert sorted(OrderStatus.values) == sorted(ORDER_STATUSES)


@pytest.mark.parametrize("pair", sorted(ORDER_ALLOWED))
def test_order_transition_allowed(pair):
    check_transition(*pair)


@pytest.mark.parametrize("pair", sorted(set(itertools.product(ORDER_STATUSES, ORDER_STATUSES))
                                        - ORDER_ALLOWED))
def test_order_transition_refused(pair):
    with pytest.raises(AppError) as info:
        check_transition(*pair)
    assert (info.value.code, info.value.status) == ("illegal_order_transition", 409)


@pytest.fixture
def cacem(db):
    if not Association.objects.filter(slug="cacem").exists():
        association_create(acting_user=None, name="中国施工企业管理协会", slug="cacem",
                           profile="cacem", admin_name="Admin", admin_email="a@cacem.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("cacem"):
        connect_bank()  # the manual gives no account: the tests give one
        yield


def staff(role):
    return user_create(acting_user=None, name=role, username=f"{role}-x",
                       password="Staff-passw0rd-2026", roles=[role])


def approved_application(rank="council"):
    """A CACEM unit application waiting for its payment."""
    mtype = MemberType.objects.get(code="unit")
    app = application_start(applicant=applicant(), member_type=mtype,
                            rank=mtype.ranks.get(code=rank))
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    while app.status == Status.IN_REVIEW:
        app = review_decide(application=app, actor=_reviewer(), decision="approve",
                            expected_position=app.review_position)
    assert app.status == Status.AWAITING_PAYMENT
    return app


def _reviewer():
    from tenant_apps.accounts.models import User

    return User.objects.filter(username="reviewer-x").first() or user_create(
        acting_user=None, name="审核", username="reviewer-x", password="Staff-passw0rd-2026",
        roles=[Role.REVIEWER, Role.HQ_ADMIN])


def test_amount_is_fixed_when_the_order_is_made(cacem):
    app = approved_application()
    order = order_for_application(application=app, actor=app.applicant, years=1)
    assert (order.unit_amount_fen, order.amount_fen) == (1000000, 1000000)  # 理事单位 10000
    assert order.transfer_reference.startswith("HJ") and len(order.number) == 16
    fee_add(acting_user=None, member_type=app.member_type, rank=app.rank, amount_fen=1200000,
            effective_from=timezone.localdate())
    order.refresh_from_db()
    assert order.amount_fen == 1000000
    # asking again for the same years returns the same order, not a second one
    assert order_for_application(application=app, actor=app.applicant, years=1).pk == order.pk


def test_transfer_voucher_confirmed_once_makes_a_member(cacem):
    app = approved_application(rank="regular")
    order = order_for_application(application=app, actor=app.applicant, years=1)
    with pytest.raises(AppError) as info:
        voucher_upload(order=order, actor=app.applicant,
                       uploaded=SimpleUploadedFile("v.exe", b"MZ" + b"0" * 40))
    assert info.value.code == "file_kind"
    voucher = voucher_upload(order=order, actor=app.applicant,
                             uploaded=SimpleUploadedFile("回单.pdf", PDF), payer_name="测试")
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_CONFIRMATION
    assert app.status == Status.PAYMENT_REVIEW
    finance = staff(Role.FINANCE)
    with pytest.raises(AppError) as info:
        voucher_decide(voucher=voucher, actor=finance, accept=False, reason="")
    assert info.value.code == "reason_required"
    voucher_decide(voucher=voucher, actor=finance, accept=True)
    with pytest.raises(AppError) as info:  # a second confirmation is refused, not applied
        voucher_decide(voucher=voucher, actor=finance, accept=True)
    assert info.value.code == "already_decided"
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    # CACEM reviews after payment: the application is now at its after-payment step(s)
    while app.status == Status.IN_REVIEW:
        step = app.revision.document["member_types"][0]["review_chain"][app.review_position]
        actor = finance if step["role"] == "finance" else _reviewer()
        app = review_decide(application=app, actor=actor, decision="approve",
                            expected_position=app.review_position)
    assert app.status == Status.COMPLETED
    assert app.membership.number.startswith("CACEM")


def test_rejected_voucher_sends_the_payer_back_to_pay(cacem):
    app = approved_application(rank="regular")
    order = order_for_application(application=app, actor=app.applicant, years=1)
    voucher = voucher_upload(order=order, actor=app.applicant,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    voucher_decide(voucher=voucher, actor=staff(Role.FINANCE), accept=False,
                   reason="回单金额与订单不符")
    order.refresh_from_db()
    app.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert app.status == Status.AWAITING_PAYMENT
    assert Voucher.objects.get(pk=voucher.pk).reason == "回单金额与订单不符"


def test_only_finance_confirms_and_only_the_payer_uploads(cacem):
    app = approved_application(rank="regular")
    order = order_for_application(application=app, actor=app.applicant, years=1)
    from huiji.errors import Forbidden

    with pytest.raises(Forbidden):
        voucher_upload(order=order, actor=applicant(9),
                       uploaded=SimpleUploadedFile("v.png", PNG))
    voucher = voucher_upload(order=order, actor=app.applicant,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    with pytest.raises(Forbidden):
        voucher_decide(voucher=voucher, actor=staff(Role.SECRETARIAT), accept=True)


def test_cancel_and_expiry(cacem):
    app = approved_application(rank="regular")
    order = order_for_application(application=app, actor=app.applicant, years=1)
    order_cancel(order=order, actor=app.applicant)
    with pytest.raises(AppError):
        order_cancel(order=order, actor=app.applicant)
    second = order_for_application(application=app, actor=app.applicant, years=1)
    Order.objects.filter(pk=second.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert orders_expire() == 1
    second.refresh_from_db()
    assert second.status == OrderStatus.EXPIRED


def test_pay_pages(cacem):
    app = approved_application(rank="regular")
    client = Client(HTTP_HOST="cacem.localhost")
    client.force_login(app.applicant, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/member/pay/").content.decode()
    assert "¥3,000" in page
    response = client.post("/member/pay/", {"years": "1"})
    order = Order.objects.get(application=app)
    assert response["Location"] == f"/member/orders/{order.number}/"
    page = client.get(response["Location"]).content.decode()
    assert order.transfer_reference in page
    uploaded = client.post(response["Location"], {"file": SimpleUploadedFile("v.png", PNG)})
    assert uploaded.status_code == 302
    finance = staff(Role.FINANCE)
    staff_client = Client(HTTP_HOST="cacem.localhost")
    staff_client.force_login(finance,
                             backend="tenant_apps.accounts.backends.IdentifierBackend")
    queue = staff_client.get("/finance/vouchers/").content.decode()
    assert order.transfer_reference in queue
    voucher = Voucher.objects.get(order=order)
    assert staff_client.post(f"/finance/vouchers/{voucher.pk}/",
                             {"decision": "accept"}).status_code == 302
    late = staff_client.post(f"/finance/vouchers/{voucher.pk}/", {"decision": "accept"})
    assert late.status_code == 409
    # another member cannot see the order
    other = Client(HTTP_HOST="cacem.localhost")
    other.force_login(applicant(8), backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert other.get(f"/member/orders/{order.number}/").status_code == 404


def test_renewal_extends_from_the_current_end(db):
    import datetime as dt

    from tenant_apps.memberships.services import membership_activate

    if not Association.objects.filter(slug="cmes").exists():
        association_create(acting_user=None, name="中国机械工程学会", slug="cmes",
                           profile="cmes", admin_name="Admin", admin_email="a@cmes.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("cmes"):
        from tenant_apps.billing.services import order_for_renewal

        connect_bank()
        member = applicant(30)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        year = timezone.localdate().year
        assert membership.valid_until == dt.date(year, 12, 31)
        order = order_for_renewal(membership=membership, actor=member, years=3)
        assert (order.kind, order.amount_fen) == ("renewal", 15000)
        voucher = voucher_upload(order=order, actor=member,
                                 uploaded=SimpleUploadedFile("v.png", PNG))
        voucher_decide(voucher=voucher, actor=staff(Role.FINANCE), accept=True)
        membership.refresh_from_db()
        assert membership.valid_until == dt.date(year + 3, 12, 31)
        with pytest.raises(AppError):  # 4 years is not offered
            order_for_renewal(membership=membership, actor=member, years=7)


def test_fee_record_year_by_year_with_arrears(cacem):
    import datetime as dt

    from tenant_apps.billing.selectors import fee_years
    from tenant_apps.memberships.models import Membership, MembershipPeriod

    app = approved_application(rank="regular")
    order = order_for_application(application=app, actor=app.applicant, years=1)
    voucher = voucher_upload(order=order, actor=app.applicant,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    voucher_decide(voucher=voucher, actor=staff(Role.FINANCE), accept=True)
    app.refresh_from_db()
    while app.status == Status.IN_REVIEW:
        app = review_decide(application=app, actor=_reviewer(), decision="approve",
                            expected_position=app.review_position)
    membership = app.membership
    year = timezone.localdate().year
    # pretend the member joined two years ago and paid only that first year
    Membership.objects.filter(pk=membership.pk).update(
        valid_from=dt.date(year - 2, 3, 1), valid_until=dt.date(year - 2, 12, 31))
    MembershipPeriod.objects.filter(membership=membership).update(
        starts_on=dt.date(year - 2, 3, 1), ends_on=dt.date(year - 2, 12, 31))
    membership.refresh_from_db()
    rows = fee_years(membership)
    assert [(r["year"], r["paid"], r["arrears"]) for r in rows] == [
        (year - 2, True, False), (year - 1, False, True), (year, False, True)]
    assert rows[0]["amount_fen"] == 300000 and rows[0]["method"]
    client = Client(HTTP_HOST="cacem.localhost")
    client.force_login(app.applicant, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/member/fees/").content.decode()
    assert page.count('class="arrears"') == 2


def test_a_rank_change_is_reviewed_pays_the_difference_and_keeps_the_number(cacem):
    from tenant_apps.applications.services import level_change_start
    from tenant_apps.memberships.services import membership_activate

    unit = MemberType.objects.get(code="unit")
    unit.upgrade_pricing, unit.level_changes = "difference", ["unit"]  # ranks within the type
    unit.save()
    member = applicant(35)
    membership = membership_activate(acting_user=None, user=member, member_type=unit,
                                     rank=unit.ranks.get(code="regular"), years=1)
    number = membership.number
    council = unit.ranks.get(code="council")
    change = level_change_start(membership=membership, actor=member, member_type=unit,
                                rank=council, reason="当选理事单位")
    complete(change)
    change = application_submit(application=change, actor=member)
    while change.status == Status.IN_REVIEW:  # CACEM: reviewed before payment
        change = review_decide(application=change, actor=_reviewer(), decision="approve",
                               expected_position=change.review_position)
    assert change.status == Status.AWAITING_PAYMENT
    order = order_for_application(application=change, actor=member, years=1)
    assert (order.kind, order.amount_fen) == ("upgrade", 1000000 - 300000)  # 10000 - 3000
    voucher = voucher_upload(order=order, actor=member,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    voucher_decide(voucher=voucher, actor=staff(Role.FINANCE), accept=True)
    change.refresh_from_db()
    while change.status == Status.IN_REVIEW:  # and the steps after payment
        change = review_decide(application=change, actor=_reviewer(), decision="approve",
                               expected_position=change.review_position)
    assert change.status == Status.COMPLETED
    membership.refresh_from_db()
    assert (membership.rank, membership.number) == (council, number)
    with pytest.raises(AppError) as info:
        level_change_start(membership=membership, actor=member, member_type=unit,
                           rank=council, reason="再次")
    assert info.value.code == "level_change_not_allowed"  # that is the current level
