"""An exclusive choice in Chromium (CACEM's 资质信息 "无"): ticking it unticks the other
qualifications, ticking a qualification unticks it (exclusive.js, under the site's
Content-Security-Policy); the server refuses the combination anyway (unit tests)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="session")  # committed: the server process must see it
def cacem_applicant(demo_tenants, django_db_blocker):
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    with django_db_blocker.unblock(), schema_context("cacem"):
        user = User.objects.filter(phone="13600000091").first()
        if user is None:
            user = user_create(acting_user=None, name="资质测试", phone="13600000091",
                               email="quals@example.test", password="Quals-2026-pass")
            mtype = MemberType.objects.get(code="unit")
            application = application_start(applicant=user, member_type=mtype,
                                            rank=mtype.ranks.get(code="regular"))
        else:
            application = user.applications.first()
        public_id = application.public_id
    connection.set_schema_to_public()
    return "13600000091", "Quals-2026-pass", public_id


def test_ticking_none_unticks_the_qualifications(server, desktop, cacem_applicant):
    base = f"http://cacem.localhost:{server}"
    phone, password, public_id = cacem_applicant
    page = desktop
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, base, phone, password)
    page.goto(f"{base}/apply/{public_id}/step/3/")
    assert "/login/" not in page.url
    box = "input[name=special_qualification][value='{}']".format
    page.check(box("建筑工程"))
    page.check(box("公路工程"))
    page.check(box("无"))
    assert page.is_checked(box("无"))
    assert not page.is_checked(box("建筑工程")) and not page.is_checked(box("公路工程"))
    page.check(box("铁路工程"))
    assert page.is_checked(box("铁路工程")) and not page.is_checked(box("无"))
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
