from django.shortcuts import render

from tenant_apps.portal.selectors import site_content


def home(request):
    """The association's landing page on its own subdomain."""
    from tenant_apps.configuration.switches import feature_switches
    from tenant_apps.submissions.selectors import published

    # 会员动态 (企业投稿): the newest published articles where the association takes them
    news = published(page=1)[0][:5] if feature_switches(request).submissions else None
    return render(request, "portal/home.html", {"content": site_content(), "news": news})
