"""Links of the staff navigation to features an association may have switched off in its
profile (企业投稿, 完善理事资料): shown only where the feature is on and the person may use it.
Asked only inside the staff navigation, so members' and visitors' pages pay nothing."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def staff_feature_links(user) -> list[dict]:
    from tenant_apps.accounts.capabilities import can
    from tenant_apps.council_forms.models import CouncilForm
    from tenant_apps.submissions.selectors import enabled

    links = []
    if can(user, "submissions.review") and enabled():
        links.append({"href": reverse("submissions:list"), "label": _("Submissions")})
    if can(user, "council_forms.view") and CouncilForm.objects.filter(active=True).exists():
        links.append({"href": reverse("council_forms:overview"),
                      "label": _("Council member details")})
    return links
