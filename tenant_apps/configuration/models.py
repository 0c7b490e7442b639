"""What an association configures: member types, fees, forms, uploads, review chains,
branches, referral channels, notices, message templates and payment accounts.

All of it lives in the association's own schema and is edited only through
`tenant_apps.configuration.services`, which validates, audits and records a new
`ConfigurationRevision` (the whole configuration as a profile document) on every change, so an
application or an order can keep the exact configuration it was made under.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_MAX = 40


class MemberKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    UNIT = "unit", _("Unit")


class ValidityRule(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("To 31 December of the last paid year")
    ROLLING = "rolling", _("Rolling from activation")
    UNTIL_FIELD = "until_field", _("Until a date from the application")


class UpgradePricing(models.TextChoices):
    DIFFERENCE = "difference", _("Pay the fee difference for the paid years left")
    FULL = "full", _("Pay the new type's full fee")


class AfterLapse(models.TextChoices):
    """How a lapsed member comes back."""

    ARREARS = "arrears", _("Renews by paying the arrears")
    REAPPLY = "reapply", _("Applies anew")


class ResumeAfterRejection(models.TextChoices):
    FIRST_STEP = "first_step", _("From the first review step")
    REJECTING_STEP = "rejecting_step", _("From the step that rejected it")


class Branch(models.Model):
    class Kind(models.TextChoices):
        HQ = "hq", _("Headquarters")
        PROFESSIONAL = "professional", _("Professional branch")
        PROVINCIAL = "provincial", _("Provincial society")
        COMMITTEE = "committee", _("Committee")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=CODE_MAX, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("parent"))
    accepts_applications = models.BooleanField(_("accepts applications"), default=False)
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                    related_name="administered_branches",
                                    verbose_name=_("administrators"))
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class ReferralChannel(models.Model):
    class Kind(models.TextChoices):
        BRANCH = "branch", _("Referred by a branch")
        PROVINCIAL = "provincial", _("Referred by a provincial society")
        INDIVIDUAL_MEMBER = "individual_member", _("Referred by an individual member")
        UNIT_MEMBER = "unit_member", _("Referred by a unit member")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=CODE_MAX, unique=True)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    help = models.TextField(_("help text"), blank=True)
    referrer_must_be_valid = models.BooleanField(_("referrer's membership must be in force"),
                                                 default=True)
    referrer_level_at_least_applicant = models.BooleanField(
        _("a lower level cannot refer a higher level"), default=False)
    default_branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("default branch"))
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("referral channel")
        verbose_name_plural = _("referral channels")

    def __str__(self) -> str:
        return self.label


def default_reminder_days() -> list[int]:
    """Renewal reminders, days before the end, where a type says nothing else."""
    return [30, 7]


class MemberType(models.Model):
    code = models.SlugField(_("code"), max_length=CODE_MAX, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MemberKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    eligibility = models.TextField(_("eligibility"), blank=True)
    review_required = models.BooleanField(_("review required"), default=True)
    electronic_certificate = models.BooleanField(_("electronic certificate"), default=True)
    paper_certificate = models.BooleanField(_("paper certificate"), default=False)
    invoice = models.BooleanField(_("fee receipts issued"), default=True)
    validity_rule = models.CharField(_("validity"), max_length=20, choices=ValidityRule.choices,
                                     default=ValidityRule.CALENDAR_YEAR)
    validity_field = models.CharField(_("validity date field"), max_length=CODE_MAX, blank=True)
    # Calendar years: joining on or after this day of the year (MM-DD, e.g. 12-01) counts
    # from the next year, so a December joiner is not asked to renew within weeks. Empty:
    # every join counts from its own year.
    next_year_from = models.CharField(_("joins from this day count from the next year"),
                                      max_length=5, blank=True,
                                      help_text=_("MM-DD, e.g. 12-01; empty: never"))
    suspend_after_months = models.PositiveSmallIntegerField(
        _("suspend after months unpaid"), null=True, blank=True)
    lapse_after_months = models.PositiveSmallIntegerField(
        _("lapse after months unpaid"), null=True, blank=True)
    # The lifecycle (tenant_apps/memberships/lifecycle.py, docs/lifecycle.md): a type that
    # ends at its validity (students at graduation) lapses the day after, without grace.
    lapse_at_end = models.BooleanField(_("ends at the end of validity, without grace"),
                                       default=False)
    after_lapse = models.CharField(_("a lapsed member"), max_length=10,
                                   choices=AfterLapse.choices, default=AfterLapse.REAPPLY)
    # Days before the end renewal opens (empty: any time).
    renewal_opens_days = models.PositiveSmallIntegerField(
        _("renewal opens days before the end"), null=True, blank=True)
    reminder_days = ArrayField(models.PositiveSmallIntegerField(), default=default_reminder_days,
                               blank=True,
                               verbose_name=_("reminders, days before the end"))
    remind_when_overdue = models.BooleanField(_("remind on the day it falls overdue"),
                                              default=True)
    remind_before_suspension_days = models.PositiveSmallIntegerField(
        _("remind days before the suspension"), null=True, blank=True)
    remind_before_lapse_days = models.PositiveSmallIntegerField(
        _("remind days before lapsing"), null=True, blank=True)
    number_prefix = models.CharField(_("number prefix"), max_length=10, blank=True)
    number_width = models.PositiveSmallIntegerField(_("number width"), default=6)
    number_suffix = models.CharField(_("number suffix"), max_length=10, blank=True)
    year_options = ArrayField(models.PositiveSmallIntegerField(), default=list,
                              verbose_name=_("years that may be bought at once"))
    upgrade_pricing = models.CharField(_("upgrade pricing"), max_length=20,
                                       choices=UpgradePricing.choices,
                                       default=UpgradePricing.DIFFERENCE)
    # The member types (codes) a member of this type may change to; its own code for a
    # change of rank within it. Empty: no level change.
    level_changes = ArrayField(models.SlugField(max_length=CODE_MAX), default=list,
                               blank=True, verbose_name=_("level changes allowed to"))
    resume_after_rejection = models.CharField(_("after a rejection, resume"), max_length=20,
                                              choices=ResumeAfterRejection.choices,
                                              default=ResumeAfterRejection.FIRST_STEP)
    # The member record's tabs and contacts (tenant_apps/records/layout.py, docs/member-record.md);
    # empty: one tab per form step.
    record_layout = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("member type")
        verbose_name_plural = _("member types")

    def __str__(self) -> str:
        return self.name

    def format_number(self, sequence: int) -> str:
        return f"{self.number_prefix}{sequence:0{self.number_width}d}{self.number_suffix}"


class Rank(models.Model):
    member_type = models.ForeignKey(MemberType, on_delete=models.CASCADE, related_name="ranks")
    code = models.SlugField(_("code"), max_length=CODE_MAX)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["member_type", "code"],
                                               name="rank_code_unique_per_type")]
        verbose_name = _("rank")
        verbose_name_plural = _("ranks")

    def __str__(self) -> str:
        return self.name


# The largest yearly fee, 100 million yuan: orders multiply a fee by the years bought, and
# the total must still fit the amount columns (bigint).
FEE_MAX_FEN = 10_000_000_000


class Fee(models.Model):
    """A yearly fee from a date on. Rows are never edited: a change is a new row with a later
    `effective_from`, so what was charged before stays explainable."""

    member_type = models.ForeignKey(MemberType, on_delete=models.CASCADE, related_name="fees")
    rank = models.ForeignKey(Rank, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="fees")
    amount_fen = models.PositiveBigIntegerField(_("yearly fee (fen)"))
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_type", "rank", "-effective_from"]
        constraints = [models.UniqueConstraint(
            fields=["member_type", "rank", "effective_from"], nulls_distinct=False,
            name="one_fee_per_type_rank_and_date")]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.member_type} {self.rank or ''} {self.amount_fen} ({self.effective_from})"


class FormPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration (account)")
    APPLICATION = "application", _("Application (membership)")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    RICHTEXT = "richtext", _("Rich text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Single choice")
    MULTICHOICE = "multichoice", _("Multiple choice")
    REGION = "region", _("Province and city")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    CN_ID = "cn_id", _("Chinese ID number")
    USCC = "uscc", _("Unified social credit code")
    POSTCODE = "postcode", _("Postcode")
    URL = "url", _("Web address")
    IMAGE = "image", _("Image")
    GROUP = "group", _("Repeating group")


class FormStep(models.Model):
    member_type = models.ForeignKey(MemberType, on_delete=models.CASCADE,
                                    related_name="form_steps")
    purpose = models.CharField(_("form"), max_length=20, choices=FormPurpose.choices)
    title = models.CharField(_("title"), max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["member_type", "purpose", "position", "id"]
        verbose_name = _("form step")
        verbose_name_plural = _("form steps")

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """One field of a form step. Type-specific settings (choices, limits, a group's
    sub-fields) are in `options`, validated by `tenant_apps.configuration.fieldtypes`."""

    step = models.ForeignKey(FormStep, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=CODE_MAX)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    help = models.CharField(_("help text"), max_length=300, blank=True)
    options = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["step", "position", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self) -> str:
        return self.label


class UploadKind(models.TextChoices):
    IMAGE = "image", _("Image (JPG, PNG)")
    PDF = "pdf", _("PDF")
    DOCUMENT = "document", _("Document (Word, Excel)")
    ARCHIVE = "archive", _("Archive (ZIP, RAR, 7z)")


class UploadRequirement(models.Model):
    class Template(models.TextChoices):
        NONE = "none", _("No template")
        BLANK = "blank", _("Blank form to download")
        GENERATED = "generated", _("Pre-filled form generated from the application")

    member_type = models.ForeignKey(MemberType, on_delete=models.CASCADE,
                                    related_name="uploads")
    key = models.SlugField(_("key"), max_length=CODE_MAX)
    label = models.CharField(_("label"), max_length=100)
    required = models.BooleanField(_("required"), default=True)
    kinds = ArrayField(models.CharField(max_length=20, choices=UploadKind.choices),
                       verbose_name=_("allowed kinds"))
    # The accepted formats (tenant_apps/files/formats.py); empty: the usual ones of `kinds`.
    formats = ArrayField(models.CharField(max_length=10), default=list, blank=True,
                         verbose_name=_("accepted formats"))
    max_size_mb = models.PositiveSmallIntegerField(_("maximum size (MB)"), default=10)
    max_count = models.PositiveSmallIntegerField(_("maximum number of files"), default=1)
    template = models.CharField(_("template"), max_length=20, choices=Template.choices,
                                default=Template.NONE)
    template_file = models.FileField(_("template file"), upload_to="templates/", blank=True)
    template_name = models.CharField(_("template file name"), max_length=200, blank=True)
    help = models.CharField(_("help text"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["member_type", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["member_type", "key"],
                                               name="upload_key_unique_per_type")]
        verbose_name = _("required upload")
        verbose_name_plural = _("required uploads")

    def __str__(self) -> str:
        return self.label

    @property
    def accepted_formats(self) -> list[str]:
        from tenant_apps.files.formats import accepted_formats

        return accepted_formats({"formats": self.formats, "kinds": self.kinds},
                                default_kinds=())

    @property
    def formats_label(self) -> str:
        """"JPG、PNG、PDF", as every page says it."""
        from tenant_apps.files.formats import formats_label

        return formats_label(self.accepted_formats)


class ReviewRole(models.TextChoices):
    BRANCH_ADMIN = "branch_admin", _("Branch administrator")
    HQ_REVIEWER = "hq_reviewer", _("HQ reviewer")
    HQ_ADMIN = "hq_admin", _("HQ administrator")
    FINANCE = "finance", _("Finance")
    SECRETARIAT = "secretariat", _("Secretariat")


class ReviewStage(models.TextChoices):
    BEFORE_PAYMENT = "before_payment", _("Before payment")
    AFTER_PAYMENT = "after_payment", _("After payment")


class ReviewStep(models.Model):
    member_type = models.ForeignKey(MemberType, on_delete=models.CASCADE,
                                    related_name="review_steps")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("reviewer"), max_length=20, choices=ReviewRole.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=ReviewStage.choices)
    branch_routed = models.BooleanField(_("reviewed by the chosen branch"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["member_type", "position", "id"]
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    class Kind(models.TextChoices):
        JOINING_NOTICE = "joining_notice", _("Joining notice")
        CHARTER = "charter", _("Charter")
        FEE_STANDARD = "fee_standard", _("Fee standard")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer instructions")
        INVOICE = "invoice", _("Invoices and receipts")
        CONTACT = "contact", _("Contact")
        PRIVACY = "privacy", _("Privacy policy")
        SERVICE_AGREEMENT = "service_agreement", _("Service agreement")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"],
                                               name="one_notice_per_kind_and_version")]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class MessageEvent(models.TextChoices):
    """What each event means and which variables it fills: tenant_apps/notifications/events.py."""

    ACCOUNT_REGISTERED = "account_registered", _("Account registered")
    APPLICATION_SUBMITTED = "application_submitted", _("Application submitted")
    APPLICATION_RETURNED = "application_returned", _("Application returned for correction")
    APPLICATION_REJECTED = "application_rejected", _("Application rejected")
    APPLICATION_APPROVED = "application_approved", _("Application approved")
    PAYMENT_REQUIRED = "payment_required", _("Payment required")
    VOUCHER_REJECTED = "voucher_rejected", _("Payment voucher rejected")
    PAYMENT_CONFIRMED = "payment_confirmed", _("Payment confirmed")
    MEMBER_ACTIVATED = "member_activated", _("Membership activated")
    RENEWAL_DUE = "renewal_due", _("Renewal due")
    MEMBERSHIP_OVERDUE = "membership_overdue", _("Membership overdue")
    SUSPENSION_DUE = "suspension_due", _("Suspension coming")
    MEMBERSHIP_SUSPENDED = "membership_suspended", _("Membership suspended")
    LAPSE_DUE = "lapse_due", _("Lapse coming")
    MEMBERSHIP_LAPSED = "membership_lapsed", _("Membership lapsed")
    MEMBERSHIP_WITHDRAWN = "membership_withdrawn", _("Membership withdrawn")
    INVOICE_ISSUED = "invoice_issued", _("Fee receipt issued")
    STAFF_INVITED = "staff_invited", _("Staff invited")
    PHONE_CHANGED = "phone_changed", _("Mobile number changed")
    CHANGE_APPROVED = "change_approved", _("Change request approved")
    CHANGE_REJECTED = "change_rejected", _("Change request rejected")
    # By staff on the member page (docs/member-record.md, "Actions")
    MEMBERSHIP_SUSPENDED_BY_STAFF = "membership_suspended_by_staff", _(
        "Membership suspended by the association")
    MEMBERSHIP_REINSTATED = "membership_reinstated", _("Membership reinstated")
    MEMBERSHIP_EXTENDED = "membership_extended", _("Membership extended free of charge")
    LOGIN_RESET = "login_reset", _("Login reset by staff")
    # Written by staff for one member or many (tenant_apps/bulk, send_staff_message): its
    # text is the staff member's own, so no template of the association's applies.
    STAFF_MESSAGE = "staff_message", _("Message from the association")
    MEMBER_INVITED = "member_invited", _("Imported member invited to log in")
    CERTIFICATE_MAILED = "certificate_mailed", _("Paper certificate mailed")
    MARKET_CONTACT = "market_contact", _("A member contacts the poster of a market post")
    SUBMISSION_PUBLISHED = "submission_published", _("Submission published")
    SUBMISSION_REJECTED = "submission_rejected", _("Submission not accepted")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("In-site message")


class MessageRecipients(models.TextChoices):
    APPLICANT = "applicant", _("the applicant's account")
    FIRST_CONTACT = "first_contact", _("the first contact of the application")
    ALL_CONTACTS = "all_contacts", _("every contact of the application")


class MessageTemplate(models.Model):
    event = models.CharField(_("event"), max_length=40, choices=MessageEvent.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    provider_template = models.CharField(_("SMS provider template code"), max_length=60,
                                         blank=True)
    # Contacts are the items of a group field marked `contacts:` in the member type's form.
    recipients = models.CharField(_("recipients"), max_length=20,
                                  choices=MessageRecipients.choices,
                                  default=MessageRecipients.APPLICANT)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [models.UniqueConstraint(fields=["event", "channel"],
                                               name="one_template_per_event_and_channel")]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.get_event_display()} / {self.get_channel_display()}"


class PaymentAccount(models.Model):
    """The association's own merchant accounts and bank account. Secrets (keys) are stored
    encrypted (`secrets`, see tenant_apps.configuration.crypto) and never shown back in full."""

    class Kind(models.TextChoices):
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        BANK = "bank", _("Bank transfer")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, unique=True)
    display_name = models.CharField(_("name shown to payers"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=False)
    # Public identifiers (merchant id, app id, account number, bank name...).
    settings = models.JSONField(default=dict, blank=True)
    # Encrypted secrets, by name: {"api_v3_key": "<token>", "private_key": "<token>"}.
    secrets = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")

    def __str__(self) -> str:
        return self.display_name


def first_login_default() -> list[str]:
    return ["phone"]


class AssociationSettings(models.Model):
    """Association-wide settings that are not a list: how people sign up and log in."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    login_modes = ArrayField(models.CharField(max_length=30), default=list)
    signup_verification = models.CharField(max_length=10, default="sms")
    password_min_length = models.PositiveSmallIntegerField(default=8)
    password_require_letter = models.BooleanField(default=True)
    password_require_digit = models.BooleanField(default=True)
    human_check = models.CharField(max_length=20, default="failed_logins")
    # 首次登录 of imported members (tenant_apps/imports/first_login.py): what they may give to
    # be sent a code (phone: a contact's mobile on file, CACEM; name: the unit's or person's
    # name; number: the member number, CAQ). Profile key accounts.first_login.
    first_login = ArrayField(models.CharField(max_length=10), default=first_login_default,
                             blank=True)
    # CAQ lends the fee receipt before payment against a stamped request ("借发票").
    invoice_borrowing = models.BooleanField(default=False)
    # The applicant must say how they heard of the association (CMES: *推荐渠道).
    referral_required = models.BooleanField(_("referral channel required"), default=False)
    # The applicant's progress bar, as the manual draws it ([{label, covers}], profile key
    # join_progress); empty: no bar.
    join_progress = models.JSONField(default=list, blank=True)
    # 供需对接 / 产品对接 (profile key marketplace, tenant_apps/marketplace/config.py); {} or
    # enabled false: off.
    marketplace = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return "account settings"


class ConfigurationRevision(models.Model):
    """The whole configuration after one change, as a profile document. Applications and
    orders point at the revision they were made under; nothing here is ever updated."""

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    summary = models.CharField(max_length=200)
    document = models.JSONField()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("configuration revision")
        verbose_name_plural = _("configuration revisions")

    def __str__(self) -> str:
        return f"#{self.number} {self.summary}"
