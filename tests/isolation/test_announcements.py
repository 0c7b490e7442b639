"""Announcements across associations: a member of beta never sees alpha's announcements,
whether for members or public, nor their attachments, on beta's site or with beta's session
on alpha's site (both associations have announcements on)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.announcements.services import (
    announcement_publish,
    announcement_save,
    settings_apply,
)
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate


def _publish(admin, title: str, audience: str, uploads=()):
    a = announcement_save(acting_user=admin, announcement=None, title=title,
                          body="<p>正文</p>", audience=audience, uploads=list(uploads))
    return announcement_publish(acting_user=admin, announcement=a)


@pytest.mark.django_db
def test_another_associations_members_never_see_it(alpha, beta):
    with schema_context("alpha"):
        settings_apply(enabled=True, title="")
        pdf = SimpleUploadedFile("议程.pdf", b"%PDF-1.4 alpha only", "application/pdf")
        secret = _publish(alpha.user("hq_admin"), "阿尔法会员通知", "members", [pdf])
        public = _publish(alpha.user("hq_admin"), "阿尔法公开通知", "public")
        file_id = secret.attachments.get().file.public_id
    with schema_context("beta"):
        settings_apply(enabled=True, title="")
        member = membership_activate(acting_user=None, user=applicant(811, name="贝塔会员"),
                                     rank=None, years=1, member_type=MemberType.objects.create(
                                         code="person", name="个人会员", kind="individual"))
        beta_client = Client(HTTP_HOST=beta.host)
        beta_client.force_login(member.user)
    paths = [f"/announcements/{secret.public_id}/",
             f"/announcements/{secret.public_id}/files/{file_id}/",
             f"/announcements/{public.public_id}/"]
    for path in paths:
        assert beta_client.get(path).status_code == 404, path
    listing = beta_client.get("/announcements/").content.decode()
    home = Client(HTTP_HOST=beta.host).get("/").content.decode()
    for text in (listing, home):
        assert "阿尔法" not in text
    # beta's session carried to alpha's host is nobody there
    beta_client.defaults["HTTP_HOST"] = alpha.host
    assert beta_client.get(paths[0]).status_code == 404
    assert beta_client.get(paths[1]).status_code == 404
    # alpha's own public announcement is public on alpha
    assert Client(HTTP_HOST=alpha.host).get(paths[2]).status_code == 200
