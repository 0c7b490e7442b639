"""The demo's announcements, for the associations whose profile turns them on (CAQ's 活动通告
as its manual shows them; the generic society's 公告动态): a pinned public notice, notices for
members, one scheduled for next week and a draft, written through the real services by the
association's HQ administrator. Demo data only; nothing if the association has some."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

ANNOUNCEMENTS = {
    "caq": [
        {"title": "关于公示2019年全国质量标杆名单的通知", "audience": "public", "pinned": True,
         "days_ago": 3, "body": "<p>根据《全国质量标杆遴选办法》，经企业申报、专家评审，现将"
         "2019年全国质量标杆名单予以公示。</p><p>公示期为7个工作日，如有异议请与秘书处联系。"
         "</p>"},
        {"title": "关于举办工业4.0背景下的质量管理国际研修班的通知", "audience": "members",
         "days_ago": 5, "body": "<h2>一、研修内容</h2><ul><li>数字化质量管理</li>"
         "<li>智能制造中的质量控制</li></ul><h2>二、报名方式</h2><p>请会员单位于本月底前"
         "<strong>登录会员系统</strong>报名。</p>"},
        {"title": "2026年度会员会费缴纳提醒", "audience": "members", "types": ["unit"],
         "days_ago": 12, "body": "<p>请各会员单位按时缴纳年度会费，缴费后可在会员系统下载"
         "电子票据。</p>"},
        {"title": "第四十九届全国质量月活动安排（预告）", "audience": "public", "days_ago": -7,
         "body": "<p>活动安排将于下周公布。</p>"},
        {"title": "会员服务问卷（草稿）", "audience": "members", "draft": True,
         "body": "<p>问卷内容待定。</p>"},
    ],
    "generic": [
        {"title": "关于召开2026年会员代表大会的通知", "audience": "public", "pinned": True,
         "days_ago": 2, "body": "<p>学会定于下月召开会员代表大会，请各分会做好代表推选工作。"
         "</p>"},
        {"title": "华东分会学术沙龙报名", "audience": "members", "branches": ["east"],
         "days_ago": 4, "body": "<p>本期沙龙主题为智能制造，欢迎华东分会会员报名。</p>"},
        {"title": "会员证书领取说明", "audience": "members", "days_ago": 9,
         "body": "<p>电子会员证可在会员中心“我的证书”下载打印。</p>"},
    ],
}


def demo_announcements_create(slug: str, profile: str, admin) -> int:
    """Announcements of one demo association (in its schema); returns how many were made."""
    from tenant_apps.announcements.models import Announcement
    from tenant_apps.announcements.selectors import settings_row
    from tenant_apps.announcements.services import announcement_publish, announcement_save

    if not settings_row().enabled or Announcement.objects.exists():
        return 0
    made = 0
    for spec in ANNOUNCEMENTS.get(profile, []):
        when = None if spec.get("draft") else timezone.now() - dt.timedelta(
            days=spec["days_ago"])
        announcement = announcement_save(
            acting_user=admin, announcement=None, title=spec["title"], body=spec["body"],
            audience=spec["audience"], member_types=spec.get("types", []),
            branches=spec.get("branches", []), pinned=spec.get("pinned", False),
            publish_at=when)
        if not spec.get("draft"):
            announcement_publish(acting_user=admin, announcement=announcement)
        made += 1
    return made
