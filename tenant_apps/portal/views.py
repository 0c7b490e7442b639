from django.shortcuts import render

from huiji.pagecache import public_page
from tenant_apps.portal.selectors import site_content


@public_page
def home(request):
    """The association's landing page on its own subdomain."""
    from tenant_apps.configuration.switches import feature_switches
    from tenant_apps.roster.selectors import roster_enabled
    from tenant_apps.submissions.selectors import published

    # 会员动态 (企业投稿): the newest published articles where the association takes them
    news = published(page=1)[0][:5] if feature_switches(request).submissions else None
    # CACEM: "可通过协会官网会员名录查询本企业联络员信息" - the roster is found from the home
    return render(request, "portal/home.html", {"content": site_content(), "news": news,
                                                "roster": roster_enabled(request)})
