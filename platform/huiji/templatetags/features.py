"""Links of the staff navigation to features an association may have switched off in its
profile (企业投稿, 完善理事资料): shown only where the feature is on and the person may use it.
Whether a feature is on comes from configuration/switches.py: one query for every switch,
read once per request and shared with the member menu."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_feature_links(context, user) -> list[dict]:
    from tenant_apps.accounts.capabilities import can
    from tenant_apps.configuration.switches import feature_switches

    reviews = can(user, "submissions.review")
    views_forms = can(user, "council_forms.view")
    links = []
    if can(user, "privacy.handle"):  # 申请删除个人信息 (tenant_apps/privacy)
        links.append({"href": reverse("privacy:queue"), "label": _("Deletion requests")})
    if not (reviews or views_forms):
        return links  # no query for a person who could use neither
    switches = feature_switches(context.get("request"))
    if reviews and switches.submissions:
        links.append({"href": reverse("submissions:list"), "label": _("Submissions")})
    if views_forms and switches.council_forms:
        links.append({"href": reverse("council_forms:overview"),
                      "label": _("Council member details")})
    return links
