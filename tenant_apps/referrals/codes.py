"""Referral codes (生成推荐码): every member and every branch has one, carried by a link and its
QR code. A code names its referrer (`m<membership id>` or `b<branch id>`) and is signed with
Django's signing under a salt naming the association's schema, so that it cannot be forged,
enumerated, or used on another association's site. Nothing is stored: the code is the same
every time it is shown, and a membership that is not in force stops it working by the
channel's own rule (`applications.services.referrer_in_force`).

The apply page prefills the referral from a code (`Referral.prefill`) and the channel's rules
are checked, once, where the application starts (`applications.services._check_referral`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.configuration.models import Branch, ReferralChannel

MEMBER, BRANCH = "m", "b"
# The session key that carries a code opened before sign-up or login to the apply page.
SESSION_KEY = "referral_code"


def _signer() -> signing.Signer:
    # The schema in the salt: a code of one association is no code at all on another's site.
    return signing.Signer(salt=f"huiji.referral.{connection.schema_name}", algorithm="sha256")


def member_channel(membership) -> ReferralChannel | None:
    """The channel a member refers through: the association's individual-member channel for
    a person, its unit-member channel for a unit; None where it offers neither."""
    from tenant_apps.applications.services import referral_channels_offered

    wanted = (ReferralChannel.Kind.UNIT_MEMBER if membership.member_type.kind == "unit"
              else ReferralChannel.Kind.INDIVIDUAL_MEMBER)
    return next((c for c in referral_channels_offered() if c.kind == wanted), None)


def branch_channel(branch: Branch, channels: list[ReferralChannel] | None = None
                   ) -> ReferralChannel | None:
    """The channel a branch refers through: 省学会推荐 for a provincial society where the
    association has that channel, else 分会推荐 (and the other way round). `channels`: the
    offered ones, when the caller read them already (a list of branches)."""
    from tenant_apps.applications.services import referral_channels_offered

    kinds = [ReferralChannel.Kind.BRANCH, ReferralChannel.Kind.PROVINCIAL]
    if branch.kind == "provincial":
        kinds.reverse()
    if channels is None:
        channels = referral_channels_offered()
    for kind in kinds:
        channel = next((c for c in channels if c.kind == kind), None)
        if channel is not None:
            return channel
    return None


def member_code(membership) -> str:
    return _signer().sign(f"{MEMBER}{membership.pk}")


def branch_code(branch: Branch) -> str:
    return _signer().sign(f"{BRANCH}{branch.pk}")


def link_path(code: str) -> str:
    return reverse("referrals:landing", args=[code])


@dataclass(frozen=True)
class Referral:
    """What a valid code names: its channel and its referrer (a membership or a branch)."""

    code: str
    channel: ReferralChannel
    membership: object | None = None
    branch: Branch | None = None

    @property
    def name(self) -> str:
        return self.membership.user.name if self.membership is not None else self.branch.name

    @property
    def number(self) -> str:
        return self.membership.number if self.membership is not None else ""

    @property
    def label(self) -> str:
        """推荐人：张三 E010107420S, 推荐单位：某公司 U0001, 推荐分会：机器人分会."""
        if self.membership is not None:
            if self.channel.kind == ReferralChannel.Kind.UNIT_MEMBER:
                return _("Referring unit: %(name)s %(number)s") % {
                    "name": self.name, "number": self.number}
            return _("Referrer: %(name)s %(number)s") % {"name": self.name,
                                                        "number": self.number}
        if self.channel.kind == ReferralChannel.Kind.PROVINCIAL:
            return _("Referring society: %(name)s") % {"name": self.name}
        return _("Referring branch: %(name)s") % {"name": self.name}

    def prefill(self) -> dict[str, str]:
        """The apply page's referral fields, as if the applicant had chosen them."""
        return {"referral": self.channel.code,
                "referral_branch": self.branch.code if self.branch is not None else "",
                "referrer_name": self.name if self.membership is not None else "",
                "referrer_number": self.number}

    def matches(self, posted: dict) -> bool:
        """Whether the apply page was sent with this code's referral unchanged."""
        return all((posted.get(k) or "").strip() == v for k, v in self.prefill().items())


def invalid() -> AppError:
    return AppError("referral_code_invalid", _(
        "This referral link may have been copied incompletely or altered: it names no "
        "referrer. Ask the person who shared it for the link again, or apply without it."),
        status=404)


def resolve(code: str | None) -> Referral:
    """The referral a code names, or AppError: `referral_code_invalid` (404) for a code that
    is tampered with, of another association, of a referrer gone or of a channel the
    association no longer offers; the channel's `referrer_not_valid` for a member whose
    membership is not in force."""
    from tenant_apps.applications.services import referrer_in_force
    from tenant_apps.memberships.models import Membership

    try:
        value = _signer().unsign((code or "").strip())
    except signing.BadSignature:
        raise invalid() from None
    kind, ident = value[:1], value[1:]
    if not ident.isdigit():
        raise invalid()
    if kind == MEMBER:
        membership = Membership.objects.select_related("user", "member_type").filter(
            pk=int(ident)).first()
        channel = member_channel(membership) if membership is not None else None
        if channel is None:
            raise invalid()
        referrer_in_force(channel, membership)
        return Referral(code, channel, membership=membership)
    if kind == BRANCH:
        branch = Branch.objects.filter(pk=int(ident), active=True).first()
        channel = branch_channel(branch) if branch is not None else None
        if channel is None:
            raise invalid()
        return Referral(code, channel, branch=branch)
    raise invalid()


def member_offers_referral(membership) -> bool:
    """Whether a member has a referral code at all (the member menu's 我的推荐码)."""
    return membership is not None and member_channel(membership) is not None
