"""What each role may see and do: the one table from role to capability, and its branch scope.

Views, APIs, services, selectors and templates ask `can(user, capability, branch=...)` (or
`scope(...)` to filter a list); none of them writes out role lists of its own. docs/roles.md
shows this table in words; change both together.

A capability is held with a scope:
- ALL: everywhere in the association (HQ roles);
- BRANCH: only for the branches the person is appointed to (`Branch.admins`); asked without
  a branch, `can` answers whether the person holds it anywhere at all.

Only active accounts hold capabilities. Roles held by nobody leave a review step unstaffed;
HQ administrators may then act on it (`review.unstaffed`, see `step_unstaffed`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from tenant_apps.accounts.models import Role

ALL = "all"
BRANCH = "branch"

HQ_ADMIN, BRANCH_ADMIN, REVIEWER, FINANCE, SECRETARIAT = (
    Role.HQ_ADMIN, Role.BRANCH_ADMIN, Role.REVIEWER, Role.FINANCE, Role.SECRETARIAT)

# capability -> (what it allows, {role: scope})
CAPABILITIES: dict[str, tuple[str, dict[str, str]]] = {
    "staff.console": (_("Staff pages: the review queue and staff navigation"), {
        HQ_ADMIN: ALL, REVIEWER: ALL, FINANCE: ALL, SECRETARIAT: ALL, BRANCH_ADMIN: BRANCH}),
    "applications.view": (_("Open submitted applications and their uploads"), {
        HQ_ADMIN: ALL, REVIEWER: ALL, FINANCE: ALL, SECRETARIAT: ALL, BRANCH_ADMIN: BRANCH}),
    "files.view": (_("Open files that belong to no application (vouchers, receipts)"), {
        HQ_ADMIN: ALL, REVIEWER: ALL, FINANCE: ALL, SECRETARIAT: ALL}),
    # One per review step role (configuration.ReviewRole): who decides a step of that role.
    "review.hq_reviewer": (_("Decide HQ review steps"), {REVIEWER: ALL, HQ_ADMIN: ALL}),
    "review.hq_admin": (_("Decide HQ administrator steps"), {HQ_ADMIN: ALL}),
    "review.finance": (_("Decide finance steps"), {FINANCE: ALL}),
    "review.secretariat": (_("Decide secretariat steps"), {SECRETARIAT: ALL}),
    "review.branch_admin": (_("Decide branch steps of their branch"), {BRANCH_ADMIN: BRANCH}),
    "review.unstaffed": (_("Decide a step nobody holds the role for"), {HQ_ADMIN: ALL}),
    "finance.manage": (_("Confirm payments, issue receipts, import statements, refund"), {
        FINANCE: ALL, HQ_ADMIN: ALL}),
    "configuration.manage": (_("Change the association's configuration"), {HQ_ADMIN: ALL}),
    # Platform operators too, from the console's association page (tenants/operator_services:
    # another HQ administrator, a new activation link); no schema of an association gives
    # anyone the operator role.
    "staff.manage": (_("Invite, appoint, deactivate and re-activate staff"), {
        HQ_ADMIN: ALL, Role.OPERATOR: ALL}),
    "accounts.view": (_("Read any account of the association"), {HQ_ADMIN: ALL}),
    "members.withdraw": (_("Withdraw a member from the association, with a reason"), {
        HQ_ADMIN: ALL, SECRETARIAT: ALL}),
    # The member record (tenant_apps/records): a branch administrator sees the members who
    # joined their branch; personal numbers stay masked for everyone but HQ administrators.
    "members.view": (_("Open member records"), {
        HQ_ADMIN: ALL, REVIEWER: ALL, SECRETARIAT: ALL, BRANCH_ADMIN: BRANCH}),
    "members.manage": (_("Change member records and contacts, see personal data unmasked, "
                         "import members"),
                       {HQ_ADMIN: ALL}),
    # Actions on the staff member page (docs/member-record.md, "Actions"): each asked for
    # the member at hand with `can_for_member`, so a branch-scoped role acts only on the
    # members of a branch the person administers.
    "members.suspend": (_("Suspend a member and reinstate them, with a reason"), {
        HQ_ADMIN: ALL, SECRETARIAT: ALL}),
    "members.renew": (_("Renew a membership by hand: money received outside the platform, "
                        "or a free extension with a reason"), {HQ_ADMIN: ALL}),
    "members.reset_login": (_("Send a member a one-time link to set a new password"), {
        HQ_ADMIN: ALL, SECRETARIAT: ALL, BRANCH_ADMIN: BRANCH}),
    # Certificates (tenant_apps/certificates): re-issue and revoke on the member page, the
    # paper certificates' queue (printed, mailed).
    "certificates.manage": (_("Re-issue and revoke certificates, print and mail paper "
                              "certificates"), {HQ_ADMIN: ALL, SECRETARIAT: ALL}),
    "members.reveal": (_("Reveal a member's masked ID number or phone (each reveal is "
                         "logged)"), {HQ_ADMIN: ALL, BRANCH_ADMIN: BRANCH}),
    # 申请删除个人信息 (tenant_apps/privacy): the queue of members' deletion requests,
    # anonymising a member or refusing with a reason (docs/personal-data.md).
    "privacy.handle": (_("Handle members' requests to delete their personal data"), {
        HQ_ADMIN: ALL}),
    # 供需对接 / 产品对接 (tenant_apps/marketplace): posts are read by staff before members
    # see them; not a branch's (a post belongs to no branch).
    "market.moderate": (_("Approve or reject members' supply, demand and product posts"), {
        HQ_ADMIN: ALL, SECRETARIAT: ALL}),
    # Announcements (tenant_apps/announcements): a branch administrator writes, publishes
    # and pushes only announcements addressed to branches they administer.
    "announcements.publish": (_("Write, publish, withdraw and send announcements"), {
        HQ_ADMIN: ALL, BRANCH_ADMIN: BRANCH}),
    # 企业投稿 (tenant_apps/submissions): read, retitle, publish or turn down submissions.
    "submissions.review": (_("Review members' submissions and publish them in the member "
                             "news"), {HQ_ADMIN: ALL, REVIEWER: ALL, SECRETARIAT: ALL}),
    # 完善理事资料 (tenant_apps/council_forms): who filled which form, the answers, exports.
    "council_forms.view": (_("See and export the council members' extra forms"), {
        HQ_ADMIN: ALL, REVIEWER: ALL, SECRETARIAT: ALL}),
    # The outbox's failed messages (发送失败, /manage/messages/failed/): read the last error,
    # send again one or all (docs/messages.md, "Faults").
    "messages.retry": (_("See messages that could not be delivered and send them again"), {
        HQ_ADMIN: ALL, SECRETARIAT: ALL}),
}

# The roles the staff page gives, in the order it shows them.
STAFF_ROLES = (HQ_ADMIN, BRANCH_ADMIN, REVIEWER, FINANCE, SECRETARIAT)


def _table(capability: str) -> dict[str, str]:
    try:
        return CAPABILITIES[capability][1]
    except KeyError:
        raise ValueError(f"unknown capability {capability!r}") from None


def scope(user, capability: str) -> str | None:
    """The widest scope in which `user` holds `capability`: ALL, BRANCH or None."""
    table = _table(capability)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    scopes = {table[role] for role in user.roles if role in table}
    return ALL if ALL in scopes else (BRANCH if scopes else None)


def administers(user, branch) -> bool:
    # branch.admins.all() so that a list that prefetched them asks no more queries.
    return any(admin.pk == user.pk for admin in branch.admins.all())


def can(user, capability: str, branch=None) -> bool:
    """Whether `user` may do `capability`; for `branch` when given (a branch-scoped role
    only for the branches the person is appointed to)."""
    held = scope(user, capability)
    if held == ALL:
        return True
    if held == BRANCH:
        return branch is None or administers(user, branch)
    return False


def can_for_member(user, capability: str, membership) -> bool:
    """Whether `user` may do `capability` to this member: a role held for the whole
    association, or a branch-scoped one for a member of a branch the person administers
    (`MemberRecord.branch`, the rule `records.selectors.record_for_staff` applies to the
    member page). A member of headquarters (no branch) is never a branch's."""
    held = scope(user, capability)
    if held == ALL:
        return True
    if held != BRANCH or membership is None:
        return False
    from tenant_apps.records.models import MemberRecord

    try:
        branch = membership.record.branch
    except MemberRecord.DoesNotExist:
        return False
    return branch is not None and administers(user, branch)


def roles_with(capability: str) -> tuple[str, ...]:
    """The roles that hold `capability` in any scope (for queries: who could act)."""
    return tuple(_table(capability))


# --- review steps nobody can take ----------------------------------------------------------

def held_roles() -> frozenset[str]:
    """The staff roles at least one active account of this association holds (one query)."""
    from tenant_apps.accounts.models import User

    rows = User.objects.filter(is_active=True, roles__overlap=list(STAFF_ROLES)) \
        .values_list("roles", flat=True)
    return frozenset(role for roles in rows for role in roles)


def branch_staffed(branch) -> bool:
    """Whether an active branch administrator is appointed to `branch` (reads the prefetched
    `admins`)."""
    return any(a.is_active and BRANCH_ADMIN in a.roles for a in branch.admins.all())


def step_unstaffed(*, role: str, held: frozenset[str], branch=None) -> bool:
    """A review step of `role` that no active account can decide: nobody holds a role with
    that review capability, or (for a step routed to `branch`) the branch has no active
    administrator. HQ administrators may act on it (`review.unstaffed`)."""
    if branch is not None:
        return not branch_staffed(branch)
    capability = f"review.{role}"
    if capability not in CAPABILITIES:
        return True
    return not (set(roles_with(capability)) & held)


# --- the same rules for DRF and for pages ---------------------------------------------------

def capability_permission(capability: str, message=None) -> type[permissions.BasePermission]:
    """A DRF permission class: refused (403) unless the user has `capability`."""

    class HasCapability(permissions.BasePermission):
        def has_permission(self, request, view):
            return can(request.user, capability)

    HasCapability.message = message or _("You may not do this.")
    HasCapability.__name__ = f"Has_{capability.replace('.', '_')}"
    return HasCapability


def capability_required(capability: str, *, template: str):
    """A view decorator: anonymous visitors are sent to log in; people without `capability`
    see `template` with 403."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.shortcuts import render

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, capability):
                return render(request, template, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
