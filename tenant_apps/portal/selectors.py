from tenant_apps.portal.models import SiteContent


def site_content() -> SiteContent:
    """The current association's landing content (an empty one before any is saved)."""
    return SiteContent.objects.first() or SiteContent()
