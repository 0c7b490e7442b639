from django.shortcuts import render

from tenant_apps.portal.selectors import site_content


def home(request):
    """The association's landing page on its own subdomain."""
    return render(request, "portal/home.html", {"content": site_content()})
