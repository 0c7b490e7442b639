"""The tenant-isolation registry: one entry per kind of object an association owns.

Every feature that adds an object reachable by URL, API or file adds a case here. Each case
makes an object in one association (as `owner_role`) and names the URL that reaches it; the
suite then proves that nobody from another association gets anything but 404 for it, whether
asking on their own host or carrying a session to the owner's host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.accounts.models import User
from tenant_apps.files.services import private_file_store


@dataclass(frozen=True)
class IsolationCase:
    name: str
    channel: str  # "page", "api" or "file"
    owner_role: str
    # Called inside the owning association's schema; returns the object's path.
    make: Callable[[User], str]
    # Roles allowed to open this kind of page at all. Others are refused (403) before any
    # lookup, which reveals nothing; within these roles a foreign object must be 404.
    roles: frozenset[str] | None = None
    # Whether the association's staff may open it too (an applicant's own pages: no).
    staff_can_reach: bool = True


def _user_api(owner: User) -> str:
    return f"/api/v1/users/{owner.public_id}/"


def _private_file(owner: User) -> str:
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 private", "application/pdf")
    record = private_file_store(acting_user=owner, owner=owner, uploaded=upload,
                                content_type="application/pdf")
    return f"/files/{record.public_id}/"


def _config_field(owner: User) -> str:
    from tenant_apps.configuration.models import FormField

    field = FormField.objects.filter(step__member_type__code="senior").first()
    return f"/manage/config/types/senior/fields/{field.pk}/"


def _application_page(owner: User) -> str:
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    application = application_start(applicant=owner,
                                    member_type=MemberType.objects.get(code="regular"))
    return f"/apply/{application.public_id}/confirm/"


def _application_for_review(owner: User) -> str:
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import application_start, application_submit
    from tenant_apps.applications.tests.helpers import complete
    from tenant_apps.configuration.models import MemberType

    person = user_create(acting_user=None, name="待审申请人", phone="13988887777",
                         password="Qx-9876-passw0rd")
    application = application_start(applicant=person,
                                    member_type=MemberType.objects.get(code="senior"))
    complete(application)
    application_submit(application=application, actor=person)
    return f"/review/{application.public_id}/"


def _application_upload(owner: User) -> str:
    from tenant_apps.applications.services import application_add_upload, application_start
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.configuration.models import MemberType, UploadRequirement

    mtype = MemberType.objects.get(code="regular")
    UploadRequirement.objects.get_or_create(member_type=mtype, key="proof", defaults={
        "label": "证明", "kinds": ["image"], "max_size_mb": 2, "max_count": 1})
    from tenant_apps.configuration.services import revision_record

    revision_record(acting_user=None, summary="an upload for the isolation suite")
    application = application_start(applicant=owner, member_type=mtype)
    upload = application_add_upload(application=application, actor=owner, requirement="proof",
                                    uploaded=SimpleUploadedFile("proof.png", PNG))
    return f"/files/{upload.file.public_id}/"


def _inbox_message_api(owner: User) -> str:
    from tenant_apps.notifications.models import InboxMessage

    message = InboxMessage.objects.create(user=owner, title="欢迎", body="欢迎入会")
    return f"/api/v1/messages/{message.pk}/"


def _application_api(owner: User) -> str:
    from tenant_apps.applications.services import application_start
    from tenant_apps.configuration.models import MemberType

    application = application_start(applicant=owner,
                                    member_type=MemberType.objects.get(code="regular"))
    return f"/api/v1/applications/{application.public_id}/timeline/"


def _order_page(owner: User) -> str:
    from tenant_apps.billing.models import Order
    from tenant_apps.configuration.models import MemberType

    order = Order.objects.create(
        number=f"ISO{owner.pk:013d}", transfer_reference=f"HJISO{owner.pk:04d}", kind="join",
        payer=owner, member_type=MemberType.objects.get(code="regular"), years=1,
        unit_amount_fen=5000, amount_fen=5000, expires_at="2099-01-01T00:00:00Z")
    return f"/member/orders/{order.number}/"


CASES = [
    IsolationCase("account via API", "api", "member", _user_api),
    IsolationCase("private upload", "file", "member", _private_file),
    IsolationCase("configuration form field", "page", "hq_admin", _config_field,
                  roles=frozenset({"hq_admin"})),
    IsolationCase("application (applicant's page)", "page", "member", _application_page,
                  staff_can_reach=False),
    IsolationCase("application (review page)", "page", "hq_admin", _application_for_review),
    IsolationCase("application via API", "api", "member", _application_api,
                  staff_can_reach=False),
    IsolationCase("application upload", "file", "member", _application_upload),
    IsolationCase("in-site message via API", "api", "member", _inbox_message_api,
                  staff_can_reach=False),
    IsolationCase("order", "page", "member", _order_page, staff_can_reach=False),
]
