from django.conf import settings
from django_tenants.utils import get_public_schema_name


def site(request):
    """The association (or the platform) a page belongs to, for the shared base layout."""
    tenant = getattr(request, "tenant", None)
    is_public = tenant is None or tenant.schema_name == get_public_schema_name()
    return {
        "association": None if is_public else tenant,
        "is_public_site": is_public,
        "base_domain": settings.BASE_DOMAIN,
    }
