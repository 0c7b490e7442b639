"""The member centre's menu (会员中心, CAQ's left menu 会员首页 / 缴纳会费 / … / 修改密码) as data:
one entry per page, each a URL name, a label and when it shows. Every member-centre page
extends `memberships/centre.html`, which renders these entries through one included
template (`memberships/menu.html`): a left sidebar on a desktop, a strip on a phone.

Adding a page is one line in ENTRIES. A predicate reads only `CentreState`, computed once per
request, so an entry costs no query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.rules import RenewalTerms

S = Membership.Status


@dataclass(frozen=True)
class CentreState:
    """What the menu and the home page read of the viewer, once per request."""

    membership: Membership | None
    terms: RenewalTerms | None = None  # the renewal terms (None: not a member)
    fee: int = 0  # the yearly fee in force for the member's type and rank (fen; 0: free)
    services: bool = False  # member-only pages open (not suspended, lapsed, withdrawn)
    unread: int = 0  # unread inbox messages
    staff: bool = False  # a staff account without a membership: no member menu
    refers: bool = False  # the association takes referrals by members of this one's kind
    roster: bool = False  # the association publishes a member roster (会员名录)
    market: tuple[str, ...] = ()  # the marketplace's kinds where the association offers it
    # The profile's word for announcements where they are on (活动通告), else "" (a cached
    # flag: tenant_apps/announcements/selectors.py)
    announcements: str = ""
    submits: bool = False  # 企业投稿 is open to this member (tenant_apps/submissions)
    council_forms: tuple = ()  # 完善理事资料: the forms for this member (council_forms)

    @property
    def council_pending(self) -> list:
        """有需要完善的资料: the forms the member has not filled yet."""
        return [s.form for s in self.council_forms if not s.done]

    @property
    def renewable(self) -> bool:
        """A fee to pay and a renewal open now (缴纳会费); before it opens the card says
        when it will."""
        return bool(self.membership and self.fee and self.membership.member_type.year_options
                    and self.terms and self.terms.open)

    @property
    def member(self) -> bool:
        return self.membership is not None

    @property
    def can_leave(self) -> bool:
        return bool(self.membership
                    and self.membership.status not in (S.WITHDRAWN, S.LAPSED))


def _always(state: CentreState) -> bool:
    return True


def _member(state: CentreState) -> bool:
    return state.member


def _renewable(state: CentreState) -> bool:
    return state.renewable


def _services(state: CentreState) -> bool:  # closed while suspended (docs/lifecycle.md)
    return state.services


def _asks_changes(state: CentreState) -> bool:
    """信息变更: the type names fields a member asks to change (records/change_requests.py)."""
    layout = state.membership.member_type.record_layout if state.membership else {}
    return state.services and bool((layout or {}).get("reviewed"))


def _joins_branches(state: CentreState) -> bool:
    layout = state.membership.member_type.record_layout if state.membership else {}
    return state.services and bool((layout or {}).get("branch_join"))


def _manages_contacts(state: CentreState) -> bool:
    """联系人管理 (CAQ's menu): the type has contacts the unit manages itself."""
    layout = state.membership.member_type.record_layout if state.membership else {}
    contacts = (layout or {}).get("contacts") or {}
    return bool(contacts) and contacts.get("managed_by", "member") == "member"


def _refers(state: CentreState) -> bool:
    """我的推荐码 and 我的推荐: the association offers a referral channel of the member's
    kind (CMES's 个人会员推荐; tenant_apps/referrals)."""
    return state.member and state.refers


def _roster(state: CentreState) -> bool:
    """会员名录: the member's consent to be listed (tenant_apps/roster)."""
    return state.member and state.roster


def _market_sd(state: CentreState) -> bool:
    """供需对接 (Jiangsu's menu): supplies and demands, where the profile offers them."""
    return state.services and bool({"supply", "demand"} & set(state.market))


def _market_products(state: CentreState) -> bool:
    """产品对接 (Jiangsu's menu)."""
    return state.services and "product" in state.market


def _announcements_label(state: CentreState) -> str:
    return state.announcements  # the profile's word: 活动通告 (CAQ), 公告动态


def _announcements(state: CentreState) -> bool:
    """公告动态 / 活动通告 (tenant_apps/announcements): where the profile turns them on."""
    return state.member and bool(state.announcements)


def _submits(state: CentreState) -> bool:
    return state.submits


def _council(state: CentreState) -> bool:
    return bool(state.council_forms)


def _can_leave(state: CentreState) -> bool:
    return state.can_leave


def cards_only(membership: Membership | None) -> bool:
    """The member's type issues no certificate, only (if anything) a member card: its page
    is 我的会员卡 (CAQ), not 我的证书. Read off the type's columns, no query."""
    mtype = membership.member_type if membership else None
    return bool(mtype and not mtype.electronic_certificate and not mtype.paper_certificate)


def _certificates_label(state: CentreState):
    return pgettext_lazy("member menu", "My member card") if cards_only(state.membership) \
        else None


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: Promise | str
    shown: Callable[[CentreState], bool] = _always
    also: tuple[str, ...] = ()  # the entry's other pages, highlighted as it
    badge: str = ""  # a CentreState count shown beside the label
    post: bool = False  # a form button (log out needs a POST)
    # the label by the viewer's state when it differs (CAQ's 我的会员卡), else `label`
    label_for: Callable[[CentreState], Promise | str | None] | None = None


# The labels' translation context is "member menu": the menu's wording is its own (CAQ's
# 缴纳会费, CMES's 缴费记录, 001's 我的票据), apart from the same words on buttons elsewhere.
ENTRIES: list[Entry] = [
    Entry("members:home", pgettext_lazy("member menu", "Member home")),
    Entry("records:profile", pgettext_lazy("member menu", "My details"), _member),
    Entry("records:contacts", pgettext_lazy("member menu", "Contacts"), _manages_contacts),
    Entry("records:change", pgettext_lazy("member menu", "Change my details"), _asks_changes),
    Entry("records:branch-join", pgettext_lazy("member menu", "Join a branch"),
          _joins_branches),
    Entry("records:requests", pgettext_lazy("member menu", "My applications"),
          also=("records:request",)),
    Entry("billing:renew", pgettext_lazy("member menu", "Pay membership fees"), _renewable,
          also=("billing:pay",)),
    Entry("billing:orders", pgettext_lazy("member menu", "My orders"),
          also=("billing:order", "billing:cancel")),
    Entry("billing:my-invoices", pgettext_lazy("member menu", "My invoices")),
    Entry("billing:fee-record", pgettext_lazy("member menu", "Fee record"), _member),
    Entry("certificates:mine", pgettext_lazy("member menu", "My certificates"), _member,
          also=("certificates:print",), label_for=_certificates_label),
    Entry("applications:level-change", pgettext_lazy("member menu", "Change level"), _services),
    Entry("referrals:code", pgettext_lazy("member menu", "My referral code"), _refers,
          also=("referrals:card",)),
    Entry("referrals:mine", pgettext_lazy("member menu", "My referrals"), _refers),
    Entry("roster:consent", pgettext_lazy("member menu", "Member roster"), _roster),
    Entry("marketplace:browse", pgettext_lazy("member menu", "Supply and demand"), _market_sd,
          also=("marketplace:mine", "marketplace:new", "marketplace:edit",
                "marketplace:withdraw", "marketplace:detail", "marketplace:contact")),
    Entry("marketplace:products", pgettext_lazy("member menu", "Products"), _market_products),
    Entry("council_forms:mine", pgettext_lazy("member menu", "Complete council member details"),
          _council, also=("council_forms:fill", "council_forms:view")),
    Entry("submissions:mine", pgettext_lazy("member menu", "Submissions"), _submits,
          also=("submissions:resubmit",)),
    Entry("messages:inbox", pgettext_lazy("member menu", "Messages"), badge="unread"),
    Entry("announcements:list", pgettext_lazy("member menu", "Announcements"),
          _announcements, also=("announcements:detail",), label_for=_announcements_label),
    Entry("privacy:mine", pgettext_lazy("member menu", "My data")),
    Entry("account-settings", pgettext_lazy("member menu", "Account settings"),
          also=("account-phone", "account-password", "account-password-set")),
    Entry("members:withdraw", pgettext_lazy("member menu", "Leave the association"), _can_leave),
    Entry("logout", pgettext_lazy("member menu", "Log out"), post=True),
]


def centre_state(request) -> CentreState:
    """The viewer's membership, renewal terms, fee, services and unread count, computed once
    per request (the home view and the menu share it)."""
    cached = getattr(request, "_member_centre", None)
    if cached is not None:
        return cached
    from tenant_apps.accounts.capabilities import can
    from tenant_apps.billing.pricing import renewal_price
    from tenant_apps.memberships.rules import access, renewal_terms
    from tenant_apps.notifications.services import inbox_unread_count

    user = request.user
    membership = getattr(user, "membership", None)
    if membership is None:
        state = CentreState(None, unread=inbox_unread_count(user),
                            staff=can(user, "staff.console"))
    else:
        from tenant_apps.announcements.selectors import heading
        from tenant_apps.configuration.switches import feature_switches
        from tenant_apps.council_forms.selectors import forms_of
        from tenant_apps.marketplace.config import market_settings
        from tenant_apps.referrals.codes import member_offers_referral
        from tenant_apps.submissions.models import SubmissionSettings
        from tenant_apps.submissions.selectors import submits

        # the features a profile may switch off: one query for all (configuration/switches.py)
        switches = feature_switches(request)
        submission_settings = SubmissionSettings(enabled=switches.submissions,
                                                 member_types=list(switches.submission_types))
        market = market_settings(request)

        state = CentreState(membership, terms=renewal_terms(membership),
                            fee=renewal_price(membership),
                            services=access(membership).services,
                            unread=inbox_unread_count(user),
                            refers=member_offers_referral(membership),
                            roster=switches.roster,
                            market=market.kinds if market.enabled else (),
                            announcements=heading(request) if switches.announcements
                            else "",
                            submits=submits(membership, submission_settings),
                            council_forms=tuple(forms_of(membership,
                                                         switches.council_forms)))
    request._member_centre = state
    return state


def menu_for(request) -> list[dict]:
    """The entries the viewer sees, each with its link, label, badge and whether it is the
    page shown; empty for staff without a membership (they have the staff console)."""
    state = centre_state(request)
    if state.staff:
        return []
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    return [{"href": reverse(e.url_name),
             "label": (e.label_for and e.label_for(state)) or e.label, "post": e.post,
             "key": e.url_name.replace(":", "-"),
             "badge": getattr(state, e.badge) if e.badge else 0,
             "current": here == e.url_name or here in e.also}
            for e in ENTRIES if e.shown(state)]
