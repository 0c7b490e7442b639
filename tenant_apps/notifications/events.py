"""The one registry of message events: what each event means, when it is sent, the variables
its templates may use, and the message sent when an association wrote no template for it.

The profile validator (configuration/profile.py) and the template screen refuse a template
that uses a variable its event does not provide; `notify()` refuses a call that does not give
every variable its event declares. So a placeholder is either filled or never saved.
Documented in docs/messages.md (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import MessageChannel, MessageEvent, MessageRecipients

Recipients = MessageRecipients  # who a template's message goes to


@dataclass(frozen=True)
class Variable:
    label: str
    example: str  # what a person might read in its place (docs, previews, tests)


# Filled by notify() itself for every event.
COMMON = ("name", "association", "url")

VARIABLES: dict[str, Variable] = {
    "name": Variable(_("the person addressed: the account's name, a contact's name, or the "
                       "name given in the receipt form"), "张伟"),
    "association": Variable(_("the association's name"), "中国机械工程学会"),
    "url": Variable(_("the address of the association's site"), "https://cmes.example.org/"),
    "login": Variable(_("what the person logs in with (phone, email, unit name)"),
                      "13912345678"),
    "member_type": Variable(_("the member type's name"), "高级会员"),
    "reason": Variable(_("the reason staff gave"), "照片不清晰"),
    "amount": Variable(_("the amount of the order, in yuan"), "300"),
    "years": Variable(_("the number of years paid for"), "3"),
    "order_number": Variable(_("the order number"), "2026050112345678"),
    "reference": Variable(_("the identification code to write on a bank transfer (filled where "
                            "the member type offers one number of years, so the order is made "
                            "with the payment request)"), "HJ7FUMBG"),
    "member_number": Variable(_("the member number"), "E010107413S"),
    "valid_until": Variable(_("the last day of the membership"), "2028-12-31"),
    "renew_link": Variable(_("the address of the member's renewal page"),
                           "https://cmes.example.org/member/renew/"),
    "suspend_on": Variable(_("the day the member's services stop"), "2027-07-01"),
    "lapse_on": Variable(_("the day the membership lapses"), "2028-01-01"),
    "roles": Variable(_("the staff roles given"), "财务、审核员"),
    "days": Variable(_("how many days a one-time link works"), "3"),
    "first_login_link": Variable(_("the address of the first-login page (首次登录), where an "
                                   "imported member gets a code and sets a password"),
                                 "https://cacem.example.org/first-login/"),
    "link": Variable(_("a one-time link for this person only"),
                     "https://caq.example.org/activate/MTI/abc-123/"),
    "phone": Variable(_("the new mobile number, partly hidden"), "139****0290"),
    "certificate_number": Variable(_("the certificate's number"), "CMES-2026-000123"),
    "tracking_number": Variable(_("the courier's tracking number"), "SF1234567890"),
    "request": Variable(_("what the member asked for (a change of details, joining a "
                          "branch)"), "信息变更"),
    "subject": Variable(_("the title staff wrote for their message"), "年会通知"),
    "body": Variable(_("the text staff wrote, with its own placeholders filled"),
                     "张伟：学会年会将于12月20日召开，欢迎参加。"),
    "post_title": Variable(_("the title of a market post (供需对接, 产品对接)"),
                           "供应PE燃气管材"),
    "sender": Variable(_("who sends the message: the member's name, a unit's name"),
                       "南京某燃气设备有限公司"),
    "sender_phone": Variable(_("the mobile number of the member who writes, to answer them"),
                             "13912345678"),
    "message": Variable(_("what the member wrote to the poster"), "请问DN110管材的报价？"),
    "post_link": Variable(_("the address of the post's page"),
                          "https://jsgas.example.org/market/9f1c…/"),
    "title": Variable(_("the title of the member's submission"), "推进全面质量管理的实践与体会"),
    "article_link": Variable(_("the address of the published article in 会员动态"),
                             "https://caq.example.org/news/9f1c…/"),
    "submissions_link": Variable(_("the address of the member's 企业投稿 page (投稿记录)"),
                                 "https://caq.example.org/member/submissions/"),
    "request_link": Variable(_("the address of the request's page in the member centre"),
                             "https://caq.example.org/member/requests/9f1c…/"),
}


@dataclass(frozen=True)
class Event:
    when: str
    variables: tuple[str, ...]
    # Contacts are read from the application's answers: only events about one can use them.
    has_application: bool = True
    # (subject, body) per channel, sent when the association has no template for the event.
    defaults: dict[str, tuple] = field(default_factory=dict)

    @property
    def all_variables(self) -> set[str]:
        return set(COMMON) | set(self.variables)


# What every lifecycle message fills.
_LIFECYCLE = ("member_type", "member_number", "valid_until", "amount", "renew_link")


def _defaults(subject, body) -> dict[str, tuple]:
    """The same message by SMS, email and to the inbox (an SMS keeps the subject unsent)."""
    return {MessageChannel.SMS: (subject, body), MessageChannel.EMAIL: (subject, body),
            MessageChannel.INBOX: (subject, body)}


EVENTS: dict[str, Event] = {
    MessageEvent.ACCOUNT_REGISTERED: Event(
        _("an account is created by sign-up"), ("login",), has_application=False),
    MessageEvent.APPLICATION_SUBMITTED: Event(
        _("an application is submitted (or resubmitted) and waits for a review step; one "
          "that waits for payment gets the payment request instead, one that makes a member "
          "at once the welcome"), ("member_type",)),
    MessageEvent.APPLICATION_RETURNED: Event(
        _("a reviewer returns the application for correction"), ("member_type", "reason")),
    MessageEvent.APPLICATION_REJECTED: Event(
        _("a reviewer rejects the application"), ("member_type", "reason")),
    MessageEvent.APPLICATION_APPROVED: Event(
        _("the review before payment is passed and the fee is to be paid next (sent with the "
          "payment request); an approval that makes a member sends the welcome only"),
        ("member_type", "amount", "years")),
    MessageEvent.PAYMENT_REQUIRED: Event(
        _("a joining fee is due: after submission where payment comes before review, or "
          "after the approval"), ("member_type", "amount", "years", "reference")),
    MessageEvent.VOUCHER_REJECTED: Event(
        _("finance rejects a bank-transfer voucher; the payer uploads another"),
        ("member_type", "amount", "reason"),
        defaults={
            MessageChannel.EMAIL: (
                _("Your payment voucher was not accepted"),
                _("{name}, finance could not confirm your transfer of {amount} yuan: "
                  "{reason}. Please upload another voucher in the member centre: {url}")),
            MessageChannel.INBOX: (
                _("Your payment voucher was not accepted"),
                _("Finance could not confirm your transfer of {amount} yuan: {reason}. "
                  "Please upload another voucher.")),
        }),
    MessageEvent.PAYMENT_CONFIRMED: Event(
        _("the money of an order (joining fee or renewal) is confirmed"),
        ("member_type", "amount", "years", "order_number")),
    MessageEvent.MEMBER_ACTIVATED: Event(
        _("the applicant becomes a member"), ("member_type", "member_number", "valid_until")),
    # The lifecycle (memberships/lifecycle.py): each reminder once per period, each move
    # once; all with the renewal page's address.
    MessageEvent.RENEWAL_DUE: Event(
        _("a membership is about to end: the reminders its type sets, days before the end "
          "(30 and 7 unless configured otherwise)"),
        ("member_type", "member_number", "valid_until", "amount", "renew_link"),
        defaults=_defaults(
            _("Your membership ends soon"),
            _("{name}, your {member_type} membership (number {member_number}) ends on "
              "{valid_until}. Renew for {amount} yuan a year: {renew_link}"))),
    MessageEvent.MEMBERSHIP_OVERDUE: Event(
        _("the day after the end of validity, unpaid: the membership is overdue (grace "
          "period)"), _LIFECYCLE, has_application=False, defaults=_defaults(
            _("Your membership has ended: please renew"),
            _("{name}, your {member_type} membership (number {member_number}) ended on "
              "{valid_until}. Please pay the fee of {amount} yuan to renew: {renew_link}"))),
    MessageEvent.SUSPENSION_DUE: Event(
        _("the days its type sets before an unpaid membership's services stop"),
        (*_LIFECYCLE, "suspend_on"), has_application=False, defaults=_defaults(
            _("Your member services will stop"),
            _("{name}, your {member_type} membership (number {member_number}) ended on "
              "{valid_until} and is unpaid: its services stop on {suspend_on}. Renew now: "
              "{renew_link}"))),
    MessageEvent.MEMBERSHIP_SUSPENDED: Event(
        _("an unpaid membership's services stop (suspended); renewal stays open"),
        _LIFECYCLE, has_application=False, defaults=_defaults(
            _("Your member services are suspended"),
            _("{name}, your {member_type} membership (number {member_number}) is unpaid "
              "since {valid_until}: its services and rights are suspended until you renew: "
              "{renew_link}"))),
    MessageEvent.LAPSE_DUE: Event(
        _("the days its type sets before an unpaid membership lapses"),
        (*_LIFECYCLE, "lapse_on"), has_application=False, defaults=_defaults(
            _("Your membership will lapse"),
            _("{name}, your {member_type} membership (number {member_number}) is unpaid "
              "since {valid_until}: it lapses on {lapse_on}. Renew now: {renew_link}"))),
    MessageEvent.MEMBERSHIP_LAPSED: Event(
        _("a membership lapsed: unpaid past the time its type allows, or at its end "
          "(students at graduation)"),
        ("member_type", "member_number", "valid_until"), defaults=_defaults(
            _("Your membership has lapsed"),
            _("{name}, your {member_type} membership (number {member_number}), valid until "
              "{valid_until}, has lapsed. To be a member again, visit {url}"))),
    MessageEvent.MEMBERSHIP_WITHDRAWN: Event(
        _("a membership is withdrawn (退会), at the member's request or by staff"),
        ("member_type", "member_number", "reason"), has_application=False,
        defaults=_defaults(
            _("Your membership has ended"),
            _("{name}, your {member_type} membership (number {member_number}) has ended: "
              "{reason}"))),
    MessageEvent.INVOICE_ISSUED: Event(
        _("finance issued the e-receipt of an order; the email goes to the address given in "
          "the receipt form, with the receipt attached"),
        ("member_type", "amount", "order_number"),
        defaults={
            MessageChannel.EMAIL: (
                _("Your fee receipt"),
                _("{name}, the fee receipt for your payment of {amount} yuan (order "
                  "{order_number}) is issued; it is attached and in your member centre: "
                  "{url}")),
            MessageChannel.INBOX: (
                _("Your fee receipt"),
                _("The fee receipt for your payment of {amount} yuan (order {order_number}) "
                  "is issued; download it under receipts.")),
        }),
    # Sent by SMS and email, never to the inbox: the invitee cannot log in yet.
    MessageEvent.STAFF_INVITED: Event(
        _("an HQ administrator invites a person as staff (or sends the invitation again)"),
        ("roles", "days", "link"), has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Your staff account at {association}"),  # kept with the message, not sent
                _("{name}, {association} has made you staff ({roles}). Choose your password "
                  "within {days} days with this one-time link: {link}")),
            MessageChannel.EMAIL: (
                _("Your staff account at {association}"),
                _("{name}, {association} has made you staff ({roles}). Choose your password "
                  "within {days} days with this one-time link: {link}")),
        }),
    # SMS to the number replaced (it may not have been the person), e-mail, inbox.
    MessageEvent.PHONE_CHANGED: Event(
        _("a member moves their account to a new mobile number in the account settings; the "
          "SMS goes to the old number"), ("phone",), has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Your mobile number was changed"),
                _("{name}, the mobile number of your account at {association} was changed "
                  "to {phone}. If you did not do this, contact the association at once.")),
            MessageChannel.EMAIL: (
                _("Your mobile number was changed"),
                _("{name}, the mobile number of your account at {association} was changed "
                  "to {phone}. If you did not do this, contact the association at once.")),
            MessageChannel.INBOX: (
                _("Your mobile number was changed"),
                _("The mobile number of your account was changed to {phone}.")),
        }),
    # A member's change request (records/change_requests.py), once its last step decides.
    MessageEvent.CHANGE_APPROVED: Event(
        _("the reviewers approve a member's change request (a change of details, joining a "
          "branch); the change is applied at once"), ("request", "request_link"),
        has_application=False,
        defaults={
            MessageChannel.EMAIL: (
                _("Your request is approved"),
                _("{name}, your request ({request}) is approved and in effect: "
                  "{request_link}")),
            MessageChannel.INBOX: (
                _("Your request is approved"),
                _("Your request ({request}) is approved and in effect.")),
        }),
    MessageEvent.CHANGE_REJECTED: Event(
        _("the reviewers reject a member's change request, with the reason"),
        ("request", "reason", "request_link"), has_application=False, defaults=_defaults(
            _("Your request was not approved"),
            _("{name}, your request ({request}) was not approved: {reason}. You may correct "
              "it and ask again: {request_link}"))),
    # By staff on the member page (docs/member-record.md, "Actions").
    MessageEvent.MEMBERSHIP_SUSPENDED_BY_STAFF: Event(
        _("staff suspend a membership, with the reason; services stop until staff reinstate "
          "it"), ("member_type", "member_number", "reason"), has_application=False,
        defaults=_defaults(
            _("Your membership is suspended"),
            _("{name}, {association} has suspended your {member_type} membership (number "
              "{member_number}): {reason}. Your member services are stopped until it is "
              "reinstated; contact the association with any questions."))),
    MessageEvent.MEMBERSHIP_REINSTATED: Event(
        _("staff reinstate a suspended membership"),
        ("member_type", "member_number", "valid_until"), has_application=False,
        defaults=_defaults(
            _("Your membership is reinstated"),
            _("{name}, your {member_type} membership (number {member_number}) is reinstated "
              "and your member services are open again. Valid until {valid_until}."))),
    MessageEvent.MEMBERSHIP_EXTENDED: Event(
        _("staff extend a membership free of charge, with the reason"),
        ("member_type", "member_number", "years", "valid_until", "reason"),
        has_application=False, defaults=_defaults(
            _("Your membership is extended"),
            _("{name}, {association} has extended your {member_type} membership (number "
              "{member_number}) by {years} year(s) free of charge: {reason}. It is now valid "
              "until {valid_until}."))),
    # By SMS and e-mail, never to the inbox: the member cannot log in until they use it.
    MessageEvent.LOGIN_RESET: Event(
        _("staff reset a member's login: a one-time link to choose a new password (the old "
          "one no longer works)"), ("days", "link"), has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Set a new password"),  # kept with the message, not sent
                _("{name}, the staff of {association} have reset your login. Choose a new "
                  "password within {days} days with this one-time link: {link}")),
            MessageChannel.EMAIL: (
                _("Set a new password"),
                _("{name}, the staff of {association} have reset your login. Choose a new "
                  "password within {days} days with this one-time link: {link}")),
        }),
    # Written by staff for one member or many (tenant_apps/bulk, send_staff_message), queued
    # by the bulk task itself: the text is the staff member's; an SMS provider sends it
    # through the platform's template for this event (SMS_TEMPLATES["staff_message"]).
    MessageEvent.STAFF_MESSAGE: Event(
        _("staff send a message they wrote to the members they chose (the member list's "
          "bulk action, or one member's page)"), ("subject", "body"), has_application=False,
        defaults=_defaults("{subject}", "{body}")),
    # Imported members (tenant_apps/imports): staff invite them to 首次登录, by SMS and e-mail
    # to the contact on file (they cannot log in yet, so never to the inbox). No password is
    # ever sent: the page sends a code to the same contact.
    MessageEvent.MEMBER_INVITED: Event(
        _("staff invite an imported member (one, or all of an import) to log in for the first "
          "time; sent to the first contact on file"),
        ("member_type", "member_number", "login", "first_login_link"), has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Log in to {association} for the first time"),
                _("{name}, your {member_type} membership of {association} (number "
                  "{member_number}) is now online. Log in for the first time at "
                  "{first_login_link} with {login}: we send you a code, then you choose your "
                  "password.")),
            MessageChannel.EMAIL: (
                _("Log in to {association} for the first time"),
                _("{name}, your {member_type} membership of {association} (number "
                  "{member_number}) is now online. Log in for the first time at "
                  "{first_login_link} with {login}: we send you a code, then you choose your "
                  "password.")),
        }),
    # Paper certificates (tenant_apps/certificates): staff mark one mailed on the queue.
    MessageEvent.CERTIFICATE_MAILED: Event(
        _("staff mark a paper certificate mailed, with the courier's tracking number"),
        ("certificate_number", "tracking_number"), has_application=False,
        defaults=_defaults(
            _("Your paper certificate has been mailed"),
            _("{name}, {association} has mailed your paper certificate (number "
              "{certificate_number}); tracking number {tracking_number}. Follow it in 我的证书 "
              "in the member centre: {url}"))),
    # 联系发布者 (tenant_apps/marketplace): a member writes to a post's author through the
    # platform; the author's own phone and address are never shown to the sender by it.
    MessageEvent.MARKET_CONTACT: Event(
        _("a member writes to the author of a market post (联系发布者)"),
        ("post_title", "sender", "sender_phone", "message", "post_link"),
        has_application=False,
        defaults={
            MessageChannel.INBOX: (
                _("A member wrote about “{post_title}”"),
                _("{sender} ({sender_phone}) wrote about your post “{post_title}”: {message} "
                  "The post: {post_link}")),
        }),
    # 企业投稿 (tenant_apps/submissions): staff decide a member's submission. SMS and inbox:
    # the member learns of it without watching 投稿记录.
    MessageEvent.SUBMISSION_PUBLISHED: Event(
        _("staff approve a member's submission (企业投稿); it is published in 会员动态"),
        ("title", "article_link"), has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Your submission is published"),  # kept with the message, not sent
                _("{name}, your submission 《{title}》 has been approved and published in "
                  "会员动态 of {association}: {article_link}")),
            MessageChannel.INBOX: (
                _("Your submission is published"),
                _("Your submission 《{title}》 has been approved and published in 会员动态: "
                  "{article_link}")),
        }),
    MessageEvent.SUBMISSION_REJECTED: Event(
        _("staff turn down a member's submission (企业投稿), with the reason; the member may "
          "send a new document"), ("title", "reason", "submissions_link"),
        has_application=False,
        defaults={
            MessageChannel.SMS: (
                _("Your submission was not accepted"),  # kept with the message, not sent
                _("{name}, your submission 《{title}》 to {association} was not accepted: "
                  "{reason}. You may send a corrected document: {submissions_link}")),
            MessageChannel.INBOX: (
                _("Your submission was not accepted"),
                _("Your submission 《{title}》 was not accepted: {reason}. You may send a "
                  "corrected document in 企业投稿: {submissions_link}")),
        }),
}


def event_variables(event: str) -> set[str]:
    """Every variable a template of `event` may use."""
    spec = EVENTS.get(event)
    return spec.all_variables if spec else set(COMMON)


def example_values(event: str) -> dict[str, str]:
    return {name: VARIABLES[name].example for name in event_variables(event)}
