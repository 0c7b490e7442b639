"""API fuzzing fixtures: an association of its own on the real server (`server`, in
tests/conftest.py), and sessions of its people logged in through the real login page."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from tests.conftest import human_check_store
from tests.harness import PASSWORD, hand_trace, puzzle_answer

SLUG = "fuzz"
APPLICANT_PHONE = "13700000077"
MEMBER_PHONE = "13700000078"

# Ids of real objects, by path prefix and parameter name, filled when the association is
# seeded: the fuzzer uses them besides the values it generates, so that requests reach past
# the 404s (each person's requests use the others' objects too, which must answer 404).
KNOWN: dict[str, dict[str, list]] = {}

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
       b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="session")
def fuzz_association(django_db_setup, django_db_blocker):
    """An association for the fuzzer alone (CMES profile: branches, ranks, fees, a review
    chain), committed for the server to see: an applicant with an application started, a
    member with a renewal order, its transfer voucher and an inbox message, and the HQ
    administrator. What the fuzzing writes there is committed by the server; the whole
    association is dropped afterwards, so no other test sees it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import staff_invite, user_create
    from tenant_apps.applications.services import application_start
    from tenant_apps.billing.services import order_for_renewal, voucher_upload
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.notifications.models import InboxMessage
    from tenants.models import Association
    from tenants.services import association_create, association_delete

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for stale in Association.objects.filter(slug=SLUG):  # left by an interrupted run
            association_delete(acting_user=None, association=stale)
        provisioned = association_create(
            acting_user=None, name="模糊测试学会", slug=SLUG, profile="cmes",
            admin_name="总会管理员", admin_email=f"admin@{SLUG}.test", admin_password=PASSWORD)
        with schema_context(SLUG):
            applicant = user_create(acting_user=None, name="模糊测试申请人",
                                    phone=APPLICANT_PHONE, password=PASSWORD,
                                    roles=[Role.MEMBER])
            types = MemberType.objects.filter(active=True)
            individual = next(t for t in types if t.kind == "individual"
                              and not t.ranks.exists())
            application = application_start(applicant=applicant, member_type=individual)
            member = user_create(acting_user=None, name="模糊测试会员", phone=MEMBER_PHONE,
                                 password=PASSWORD, roles=[Role.MEMBER])
            membership = membership_activate(acting_user=None, user=member,
                                             member_type=types.get(code="regular"),
                                             rank=None, years=1)
            order = order_for_renewal(membership=membership, actor=member, years=1)
            from tenant_apps.billing.tests.online import connect_bank

            connect_bank()
            voucher = voucher_upload(order=order, actor=member, payer_name="模糊测试会员",
                                     uploaded=SimpleUploadedFile("voucher.png", PNG,
                                                                 "image/png"))
            message = InboxMessage.objects.create(user=member, title="通知", body="正文")
            staffer = staff_invite(acting_user=provisioned.admin, name="模糊测试财务",
                                   email=f"finance@{SLUG}.test", roles=[Role.FINANCE]).user
            users = [str(u.public_id) for u in (applicant, member, provisioned.admin)]
            KNOWN.update({
                "/api/v1/applications/": {"public_id": [str(application.public_id)],
                                          "index": [0, 1, 2, 3]},
                "/api/v1/review/": {"public_id": [str(application.public_id)]},
                "/api/v1/users/": {"public_id": users},
                "/api/v1/config/member-types/": {"code": sorted(t.code for t in types)},
                "/api/v1/orders/": {"number": [order.number]},
                "/api/v1/finance/vouchers/": {"id": [voucher.pk]},
                "/api/v1/messages/": {"id": [message.pk]},
                "/api/v1/staff/": {"public_id": [str(staffer.public_id),
                                                 str(provisioned.admin.public_id)]},
            })
        connection.set_schema_to_public()
    yield KNOWN
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        association_delete(acting_user=None,
                           association=Association.objects.get(slug=SLUG))


@dataclass
class ApiSession:
    """A logged-in session on the association's host: the headers every request carries
    (Host, the session and CSRF cookies, the CSRF token for unsafe methods)."""

    who: str
    base_url: str
    headers: dict[str, str]


def login(port: int, who: str, identifier: str, password: str = PASSWORD) -> ApiSession:
    """Log in through the real login page, as a browser does: read the CSRF token from the
    page, solve the human check, post the form, keep the cookies."""
    base_url = f"http://127.0.0.1:{port}"
    host = {"Host": f"{SLUG}.localhost:{port}"}
    with requests.Session() as browser:
        page = browser.get(f"{base_url}/login/", headers=host, timeout=30)
        page.raise_for_status()

        def hidden(name: str) -> str:
            found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
            return found.group(1) if found else ""

        check = {}
        if hidden("hc_token"):
            # the human check's answer is in no page: read it from the server's store, as a
            # person reads it off the picture; then take the time a person takes to drag
            target = puzzle_answer(hidden("hc_token"), SLUG, store=human_check_store())
            time.sleep(0.6)
            check = {"hc_token": hidden("hc_token"), "hc_position": str(target),
                     "hc_trace": hand_trace(target, duration_ms=450)}
        answer = browser.post(f"{base_url}/login/", headers=host, allow_redirects=False,
                              timeout=30, data={
                                  "csrfmiddlewaretoken": hidden("csrfmiddlewaretoken"),
                                  "username": identifier, "password": password, **check})
        assert answer.status_code == 302, f"login as {identifier} failed: {answer.status_code}"
        cookies = browser.cookies.get_dict()
    assert "sessionid" in cookies and "csrftoken" in cookies, cookies
    return ApiSession(who=who, base_url=base_url, headers={
        **host, "X-CSRFToken": cookies["csrftoken"],
        "Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"})
