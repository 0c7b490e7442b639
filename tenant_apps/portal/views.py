from django.shortcuts import render

from tenant_apps.portal.selectors import site_content


def home(request):
    """The association's landing page on its own subdomain."""
    from tenant_apps.roster.selectors import roster_enabled

    # CACEM: "可通过协会官网会员名录查询本企业联络员信息" - the roster is found from the home
    return render(request, "portal/home.html", {"content": site_content(),
                                                "roster": roster_enabled()})
