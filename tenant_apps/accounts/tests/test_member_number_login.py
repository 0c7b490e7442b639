"""A member logs in with the member number in any case and width (会员号: CAQ's manual gives it
as a login; people type CMES's E010107414T as e010107414t), and failures typed in different
cases count against one identity. alpha has the CMES profile (the slider always)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts import throttle
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tests.harness import PASSWORD, solved_slider

LOCKED = "失败次数过多，请 15 分钟后再试。"


def member(slug: str) -> str:
    """A CMES 普通会员 (numbers E…M); returns the number given."""
    with schema_context(slug):
        user = user_create(acting_user=None, name="钱七", email="qian@example.test",
                           password=PASSWORD)
        return membership_activate(acting_user=None, user=user,
                                   member_type=MemberType.objects.get(code="regular"),
                                   rank=None, years=1).number


def login(host: str, identifier: str, password: str = PASSWORD, address: str = "10.40.0.1"):
    return Client(HTTP_HOST=host, REMOTE_ADDR=address).post(
        "/login/", {"username": identifier, "password": password, **solved_slider(host)})


@pytest.mark.django_db
def test_the_member_number_logs_in_in_any_case(alpha):
    number = member("alpha")
    assert number == "E000000001M"  # the first 普通会员 of this association
    full_width = "ｅ００００００００１ｍ"
    for spelling in ("E000000001M", "e000000001m", "e000000001M", " E000000001m ", full_width):
        response = login(alpha.host, spelling)
        assert response.status_code == 302, spelling
        assert response["Location"] != "/login/"


@pytest.mark.django_db
def test_a_wrong_password_on_the_number_is_still_refused(alpha):
    member("alpha")
    response = login(alpha.host, "e000000001m", "Wrong-passw0rd-1")
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()


@pytest.mark.django_db
def test_failures_in_every_case_count_as_one_identity(alpha):
    member("alpha")
    assert len({throttle.identity(s) for s in
                ("E000000001M", "e000000001m", " e000000001M", "ｅ００００００００１ｍ")}) == 1
    # Ten failures spread over the spellings and over many addresses (so no address counter
    # is what locks): the number pauses, in every case, even with the right password.
    spellings = ["E000000001M", "e000000001m", "ｅ００００００００１ｍ"]
    for n in range(10):
        login(alpha.host, spellings[n % 3], "Wrong-passw0rd-1", address=f"10.41.0.{n + 1}")
    for spelling in ("E000000001M", "e000000001m"):
        response = login(alpha.host, spelling, address="10.42.0.1")
        assert response.status_code == 429, spelling
        assert LOCKED in response.content.decode()
