from django.db import transaction

from huiji.audit.services import audit_record
from tenant_apps.portal.models import SiteContent

EDITABLE = ("name_en", "tagline", "intro", "contact_phone", "contact_email", "address", "website")


@transaction.atomic
def site_content_update(*, acting_user, **values) -> SiteContent:
    content = SiteContent.objects.select_for_update().first() or SiteContent()
    before = {f: getattr(content, f) for f in EDITABLE}
    for field, value in values.items():
        if field not in EDITABLE:
            raise TypeError(f"{field} is not site content")
        setattr(content, field, value)
    content.full_clean()
    content.save()
    audit_record(actor=acting_user, action="site_content.updated", target=content,
                 data={"before": before, "after": {f: getattr(content, f) for f in EDITABLE}})
    return content
