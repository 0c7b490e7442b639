"""The demo's members: each demo association gets members of every type, rank and branch it
configures, made through the real journey (apply, review, pay, activate) so that records,
orders, receipts and history are what a real member leaves behind, then spread over the last
two years so the staff console's lists, counts and dashboards have something to show. A few
applicants stay part-way (draft, in review, waiting to pay) for the join funnel.

Demo data only: names, numbers and companies are made up, from a fixed seed, so every run of
`demo_setup` on a fresh database gives the same people (张三 of 机器人分会 among them, whom the
README's walk-through searches for by `zs`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from stdnum.cn import ric, uscc

from tenants import demo_files

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明",
         "超", "秀英", "华", "丽", "建国", "志强", "海燕", "晓东", "文博", "子涵", "浩然", "雨欣"]
EMPLOYERS = ["清华大学", "上海交通大学", "哈尔滨工业大学", "中国一拖集团有限公司",
             "三一重工股份有限公司", "徐工集团工程机械股份有限公司",
             "中车青岛四方机车车辆股份有限公司",
             "北京机械工业自动化研究所", "华中科技大学", "沈阳新松机器人自动化股份有限公司"]
COMPANY_WORDS = ["建工", "路桥", "市政", "安装", "水利", "交通", "城建", "铁建", "能源", "燃气",
                 "热力", "质量检测", "认证", "标准化", "精密制造"]
CITIES = [("110000", "110108", "北京"), ("310000", "310104", "上海"),
          ("320000", "320100", "南京"), ("320000", "320500", "苏州"),
          ("440000", "440100", "广州"), ("420000", "420100", "武汉"),
          ("510000", "510100", "成都"), ("370000", "370200", "青岛")]

# How many members of each type each demo association gets, and who they are named first:
# the walk-through's people come first so their numbers are stable.
PLAN = {
    "cmes": {"types": {"regular": 18, "senior": 8, "student": 8},
             "first": [("张三", "robot"), ("张珊", "robot"), ("李四", "mech_history")]},
    "cacem": {"types": {"unit": 16}, "first": []},
    "caq": {"types": {"unit": 8, "individual": 8}, "first": []},
    "jsgas": {"types": {"unit": 10}, "first": []},
}
MEMBER_PASSWORD = "Huiji-member-2026"  # noqa: S105  (demo only, printed by demo_setup)
IN_PROGRESS = 6  # applicants part-way per association: 2 drafts, 2 in review, 2 to pay


def demo_members_create(slug: str) -> int:
    """Members of one demo association (in its schema); nothing if it has members already.
    Returns how many were made."""
    from tenant_apps.memberships.models import Membership

    if Membership.objects.exists() or slug not in PLAN:
        return 0
    # The messages the journey sends (a few hundred) are kept in the outbox and the members'
    # inboxes, not printed: the demo's log is for what a person does on the running site.
    logging.disable(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            return _create(slug, PLAN[slug])
    finally:
        logging.disable(logging.NOTSET)


def _certificates_afresh() -> None:
    """The journey issued each member's certificates with today's dates; the dates moved by
    hand make the members' pasts, so their certificates are issued anew with the dates they
    show now, numbered from 1, as if issued when they joined. Only the demo does this: in the
    product a certificate once issued stays in the member's history."""
    from tenant_apps.certificates.models import Certificate, CertificateSequence
    from tenant_apps.certificates.services import certificates_refresh_all

    Certificate.objects.update(superseded_by=None)
    Certificate.objects.all().delete()
    CertificateSequence.objects.all().delete()
    certificates_refresh_all()


def _create(slug: str, plan: dict) -> int:
    maker = _Maker(slug)
    made = []
    first = list(plan["first"])
    for code, count in plan["types"].items():
        for _ in range(count):
            name, branch = first.pop(0) if first and code != "student" else (None, None)
            made.append(maker.member(code, name=name, branch=branch))
    for index in range(IN_PROGRESS):
        code = list(plan["types"])[index % len(plan["types"])]
        maker.applicant_part_way(code, stage=("draft", "review", "payment")[index // 2],
                                 referral=_referral_code_for(made, code))
    _spread_over_two_years(made, maker.random)
    _certificates_afresh()
    from tenant_apps.memberships.lifecycle import lifecycle_run

    lifecycle_run()  # those whose spread validity has ended become overdue, suspended, lapsed
    maker.renew_some(made)
    if slug == "cacem":
        _import_legacy_units(maker.staff)
        _roster_consents()
    from tenants.demo_submissions import demo_council_forms_create, demo_submissions_create

    demo_submissions_create(made, maker.staff)  # where the profile takes 企业投稿 (CAQ)
    demo_council_forms_create(made)
    from tenant_apps.directory.services import refresh_all

    refresh_all()  # the dates moved above by hand: the member list reads them afresh
    from tenant_apps.certificates.services import certificates_refresh_all

    certificates_refresh_all()  # the legacy units imported above
    from tenant_apps.dashboards.services import dashboard_refresh

    dashboard_refresh()
    return len(made)


def _referral_code_for(made, code: str):
    """Applicants part-way come through referral codes (docs/referrals.md) where the
    association takes them: the first member's code where their level allows it (CMES: 张三
    of 机器人分会), else the first branch's that a channel takes; None where there is no
    channel for either."""
    from huiji.errors import AppError
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.referrals import codes

    mtype = MemberType.objects.get(code=code)
    referrer = made[0] if made else None
    if referrer is not None and codes.member_channel(referrer) is not None and \
            referrer.member_type.level >= mtype.level:
        with contextlib.suppress(AppError):  # a referrer not in force: a branch's code then
            return codes.resolve(codes.member_code(referrer))
    for branch in Branch.objects.filter(active=True).exclude(kind="hq").order_by("code"):
        if codes.branch_channel(branch) is not None:
            return codes.resolve(codes.branch_code(branch))
    return None


class _Maker:
    def __init__(self, slug: str):
        from tenant_apps.accounts.models import Role, User
        from tenant_apps.accounts.services import user_create

        self.slug = slug
        # Made-up people from a fixed seed: the same demo on every fresh database.
        self.random = random.Random(f"huiji-demo-{slug}")  # noqa: S311
        self.serial = 0
        self.names: set[str] = set()
        staff = User.objects.filter(roles__contains=[Role.HQ_ADMIN]).order_by("pk").first()
        # The association's administrator decides and confirms, as on a small association.
        self.staff = staff or user_create(acting_user=None, name="演示管理员",
                                          username="demo-staff", roles=[Role.HQ_ADMIN])

    # --- people ----------------------------------------------------------------------------
    def person_name(self) -> str:
        while True:
            name = self.random.choice(SURNAMES) + self.random.choice(GIVEN)
            if name not in self.names:
                self.names.add(name)
                return name

    def unit_name(self) -> str:
        while True:
            city = self.random.choice(CITIES)[2]
            name = f"{city}{self.random.choice(COMPANY_WORDS)}" \
                   f"{self.random.choice(['集团', '工程', '科技', '股份'])}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name

    def account(self, name: str, *, unit: bool):
        from tenant_apps.accounts.services import user_create

        self.serial += 1
        index = {"cmes": 1, "cacem": 2, "caq": 3, "jsgas": 4}.get(self.slug, 5)
        phone = f"137{index:02d}{self.serial:06d}"
        email = f"member{self.serial}@{self.slug}.demo.example"
        # Demo members sign in with their phone and the printed demo password.
        return user_create(acting_user=None, name=name, phone=phone, email=email,
                           password=MEMBER_PASSWORD)

    # --- answers -----------------------------------------------------------------------------
    def answer(self, spec: dict, *, person: str, unit: str | None, branch: str | None,
               phone: str):
        kind, key = spec["type"], spec["key"]
        rnd = self.random
        if kind == "group":
            return [{sub["key"]: self.answer(sub, person=self.person_name(), unit=unit,
                                             branch=branch, phone=self.phone())
                     for sub in spec["fields"]}]
        if kind in ("choice", "multichoice"):
            if spec.get("choices_from"):
                value = branch or self._any_branch()
            elif key == "foreign_degree":
                value = "无"
            else:
                value = rnd.choice([c["value"] for c in spec.get("choices") or [{"value": ""}]])
            return [value] if kind == "multichoice" else value
        city = rnd.choice(CITIES)
        text = {
            "name": unit or person, "unit_name": unit, "company_name": unit,
            "handler_name": person, "contact_name": person, "head_name": person,
            "legal_representative": self.person_name(), "form_filler": person,
            "liaison_name": person, "employer": rnd.choice(EMPLOYERS),
            "school": rnd.choice(EMPLOYERS[:3] + EMPLOYERS[8:9]),
            "domestic_school": rnd.choice(EMPLOYERS[:3] + EMPLOYERS[8:9]),
            "foreign_school": "无", "foreign_major": "无",
            "department": rnd.choice(["技术部", "研发中心", "质量部", "办公室"]),
            "liaison_department": "办公室", "position": rnd.choice(["工程师", "主任", "经理"]),
            "contact_position": "办公室主任", "liaison_position": "主任",
            "head_position": "总经理", "major": "机械工程", "domestic_major": "机械设计制造",
            "address": f"{city[2]}市{rnd.choice(['人民路', '建设路', '解放路'])}"
                       f"{rnd.randint(1, 300)}号",
            "company_profile": "主要从事工程施工与技术服务。",
            "work_experience": "从事机械设计与制造工作多年。", "intro": "燃气供应与工程服务企业。",
        }
        if kind in ("text", "textarea", "richtext"):
            return text.get(key) if text.get(key) is not None else "—"
        if kind == "phone":
            return phone if key in ("mobile", "contact_mobile", "liaison_mobile") \
                else f"025-{rnd.randint(80000000, 89999999)}"
        return {
            "date": (f"{timezone.localdate().year + rnd.randint(1, 3)}-07-01"
                     if key == "graduation_date" else
                     f"{rnd.randint(1965, 2000)}-{rnd.randint(1, 12):02d}-"
                     f"{rnd.randint(1, 28):02d}"),
            "number": str(rnd.randint(500, 90000)) if key != "year"
            else str(timezone.localdate().year - 1),
            "region": {"province": city[0], "city": city[1]},
            "email": f"{self.serial}.{key}@{self.slug}.demo.example",
            "cn_id": self.id_number(), "uscc": self.credit_code(),
            "postcode": "100000", "url": "https://example.com", "image": "",
        }[kind]

    def phone(self) -> str:
        self.serial += 1
        return f"136{self.serial:08d}"

    def id_number(self) -> str:
        body = f"110105{self.random.randint(1965, 2000)}{self.random.randint(1, 12):02d}" \
               f"{self.random.randint(1, 28):02d}{self.random.randint(100, 999)}"
        return body + ric.calc_check_digit(body + "0")  # it reads the digits before the last

    def credit_code(self) -> str:
        body = "91320100" + "".join(self.random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
                                    for _ in range(9))
        return body + uscc.calc_check_digit(body)

    def _any_branch(self) -> str | None:
        """A branch to choose where the form offers the branches (a body to join, branches of
        interest): one of the association's branches, or headquarters where it has none."""
        from tenant_apps.configuration.models import Branch

        codes = list(Branch.objects.exclude(kind="hq").order_by("code")
                     .values_list("code", flat=True)) or list(
            Branch.objects.order_by("code").values_list("code", flat=True))
        return self.random.choice(codes) if codes else None

    # --- the journey -------------------------------------------------------------------------
    def started(self, code: str, *, name: str | None, branch: str | None, referral=None):
        """An applicant with every step of the form filled and the uploads attached; come
        through `referral` (a referral code's `codes.Referral`) when given."""
        from tenant_apps.applications.engine import form_steps
        from tenant_apps.applications.services import (
            application_accept_notices,
            application_add_upload,
            application_save_step,
            application_start,
            type_doc,
        )
        from tenant_apps.configuration.models import Branch, MemberType
        from tenant_apps.files.services import private_file_store

        mtype = MemberType.objects.get(code=code)
        unit = mtype.kind == "unit"
        unit_name = (name or self.unit_name()) if unit else None
        person = self.person_name() if unit else (name or self.person_name())
        user = self.account(unit_name or person, unit=unit)
        ranks = list(mtype.ranks.order_by("pk"))
        rank = ranks[0] if ranks and self.random.random() < 0.7 else (
            self.random.choice(ranks) if ranks else None)
        branch_obj = Branch.objects.filter(code=branch).first() if branch else None
        if branch_obj is None and self.random.random() < 0.5:
            branch_obj = Branch.objects.exclude(kind="hq").order_by("?").first()
        referred = {}
        if referral is not None:
            referred = {"referral": referral.channel, "referral_branch": referral.branch,
                        "referrer_name": referral.name if referral.membership else "",
                        "referrer_number": referral.number, "by_code": True}
        application = application_start(applicant=user, member_type=mtype, rank=rank,
                                        branch=branch_obj, **referred)
        doc = type_doc(application)
        for step in form_steps(doc):
            data = {}
            for spec in step.fields:
                if spec["type"] == "image":
                    # an ID photo for a person (the CMES certificates show it), a badge
                    # for a unit's logo
                    drawn = (demo_files.logo(unit_name) if unit
                             else demo_files.portrait(int(user.phone[-6:])))
                    data[spec["key"]] = str(private_file_store(
                        acting_user=user, owner=user,
                        uploaded=SimpleUploadedFile(f"{spec['key']}.png", drawn),
                        content_type="image/png").public_id)
                else:
                    data[spec["key"]] = self.answer(
                        spec, person=person, unit=unit_name,
                        branch=branch_obj.code if branch_obj else None, phone=user.phone)
            errors = application_save_step(application=application, actor=user,
                                           step_index=step.index, data=data, finish=True)
            if errors:
                raise ValueError(f"demo answers refused at {step.title}: {errors}")
        application_accept_notices(application=application, actor=user)
        for spec in doc["uploads"]:
            if spec["required"]:
                image = "image" in spec["kinds"]
                application_add_upload(
                    application=application, actor=user, requirement=spec["key"],
                    uploaded=SimpleUploadedFile(
                        "scan.png" if image else "scan.pdf",
                        demo_files.scanned_form(spec["label"], unit_name or person,
                                                image=image)))
        return application

    def member(self, code: str, *, name: str | None = None, branch: str | None = None):
        application = self.started(code, name=name, branch=branch)
        self.advance(application, until="member")
        application.refresh_from_db()
        return application.membership

    def applicant_part_way(self, code: str, *, stage: str, referral=None) -> None:
        application = self.started(code, name=None, branch=None, referral=referral)
        if stage != "draft":
            self.advance(application, until=stage)

    def advance(self, application, *, until: str) -> None:
        from tenant_apps.applications.models import Status
        from tenant_apps.applications.services import application_submit, review_decide
        from tenant_apps.billing.models import PaymentMethod
        from tenant_apps.billing.services import order_for_application, order_settle

        application = application_submit(application=application, actor=application.applicant)
        for _ in range(12):
            application.refresh_from_db()
            if application.status == Status.COMPLETED:
                return
            if application.status == Status.IN_REVIEW:
                if until == "review":
                    return
                review_decide(application=application, actor=self._decider(application),
                              decision="approve",
                              expected_position=application.review_position)
            elif application.status in (Status.AWAITING_PAYMENT, Status.PAYMENT_REVIEW):
                if until == "payment":
                    return
                years = 1
                with transaction.atomic():
                    order = order_for_application(application=application,
                                                  actor=application.applicant, years=years)
                    method = self.random.choice([PaymentMethod.WECHAT, PaymentMethod.ALIPAY,
                                                 PaymentMethod.BANK])
                    order_settle(order=order, actor=self.staff, method=method, via="demo",
                                 transaction_id=f"DEMO{order.pk:08d}")
            else:
                return

    def renew_some(self, memberships) -> None:
        """About half of those whose validity has ended pay again (the renewal rate)."""
        from tenant_apps.billing.models import PaymentMethod
        from tenant_apps.billing.services import order_for_renewal, order_settle
        from tenant_apps.memberships.models import Membership

        for membership in memberships:
            membership.refresh_from_db()
            if membership.status not in (Membership.Status.OVERDUE,
                                         Membership.Status.SUSPENDED) or self.random.random() < 0.5:
                continue
            with transaction.atomic():
                order = order_for_renewal(membership=membership, actor=membership.user,
                                          years=1)
                order_settle(order=order, actor=self.staff, method=PaymentMethod.BANK,
                             via="demo", transaction_id=f"DEMO{order.pk:08d}")

    def _decider(self, application):
        from tenant_apps.accounts.models import Role, User
        from tenant_apps.applications.services import can_decide_step, chain_of

        step = chain_of(application)[application.review_position]
        for user in User.objects.filter(is_active=True).exclude(roles=[]).exclude(
                roles=[Role.MEMBER]).order_by("pk"):
            if can_decide_step(user, step, application.branch):
                return user
        return self.staff


def _spread_over_two_years(memberships, rnd: random.Random) -> None:
    """Move each member's joining back by up to two years, as if they had joined then, with
    the validity their type gives from that day: the dashboards' months and the lists'
    "joined" and "valid until" filters get a spread, and the nightly job then moves those
    whose validity has ended (overdue, suspended, lapsed)."""
    from tenant_apps.billing.models import Order
    from tenant_apps.configuration.models import ValidityRule
    from tenant_apps.memberships.models import Membership, MembershipPeriod
    from tenant_apps.memberships.validity import validity_end

    for membership in memberships:
        days = rnd.randint(0, 730)
        if days < 30:
            continue
        shift = dt.timedelta(days=days)
        start = membership.valid_from - shift
        mtype = membership.member_type
        end = membership.valid_until if mtype.validity_rule == ValidityRule.UNTIL_FIELD \
            else validity_end(mtype, start=start, years=1)
        Membership.objects.filter(pk=membership.pk).update(
            activated_at=membership.activated_at - shift, valid_from=start, valid_until=end)
        MembershipPeriod.objects.filter(membership=membership).update(starts_on=start,
                                                                      ends_on=end)
        for order in Order.objects.filter(payer=membership.user):
            Order.objects.filter(pk=order.pk).update(
                created_at=order.created_at - shift,
                paid_at=(order.paid_at - shift) if order.paid_at else None,
                confirmed_at=(order.confirmed_at - shift) if order.confirmed_at else None)


# CACEM's members from before the platform (its manual's 首次登录): imported from a sheet as
# the association would (导入会员), with their numbers, dates and paid years; each liaison logs
# in for the first time with an SMS code sent to the mobile below.
LEGACY_HEADER = ["企业中文全称", "信用代码", "所属行业", "所属领域", "所在省市", "通讯地址", "邮编",
                 "法人代表", "企业类型", "所属系统", "企业基本情况", "特级资质", "第一联络员姓名",
                 "第一联络员部门", "第一联络员职务", "第一联络员手机", "第一联络员邮箱", "会员号",
                 "会员级别", "入会时间", "有效期至", "已缴费年度"]
LEGACY_UNITS = [("中建示范第一工程局有限公司", "13900100001", "理事单位"),
                ("中铁示范建设集团有限公司", "13900100002", "常务理事单位"),
                ("北京示范城建集团有限公司", "13900100003", "普通会员")]


def _roster_consents() -> None:
    """会员名录: most demo units agreed at joining to be listed, most of those with their
    first liaison's name and phone; every fourth did not (it is optional), so the roster
    shows fewer units than the staff list."""
    from tenant_apps.memberships.models import Membership
    from tenant_apps.roster.models import RosterConsent
    from tenant_apps.roster.selectors import offered_fields, roster_settings
    from tenant_apps.roster.services import consent_give

    settings = roster_settings()
    if not settings.enabled:
        return
    offered = [f["code"] for f in offered_fields(settings)]
    for n, membership in enumerate(Membership.objects.select_related("user").order_by("number")):
        if n % 4 == 3:
            continue
        consent_give(user=membership.user, fields=offered if n % 5 else offered[:1],
                     source=RosterConsent.Source.JOINING, offered=offered,
                     consent_text=settings.consent_text)


def _import_legacy_units(staff) -> None:
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenant_apps.configuration.models import MemberType
    from tenant_apps.imports.services import import_check, import_run, import_start, import_upload

    year = timezone.localdate().year
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LEGACY_HEADER)
    for n, (name, mobile, rank) in enumerate(LEGACY_UNITS, start=1):
        base = f"91110000{n:09d}"
        writer.writerow([name, base + uscc.calc_check_digit(base + "0"), "建筑工程",
                         "施工总承包", "北京市 海淀区", f"北京市海淀区三里河路{n}号", "100037",
                         f"法人{n}", "中央企业", "住房城乡建设", "特级资质施工企业",
                         "建筑工程", f"联络员{n}", "办公室", "主任", mobile,
                         f"liaison{n}@cacem.demo.example", f"CACEM{100 + n:05d}", rank,
                         "2015-03-01", f"{year}-12-31", f"2015-{year}"])
    upload = SimpleUploadedFile("历史会员.csv", buffer.getvalue().encode("utf-8"), "text/csv")
    imp = import_upload(acting_user=staff, uploaded=upload,
                        member_type=MemberType.objects.get(code="unit"))
    imp = import_check(acting_user=staff, member_import=imp, mapping=imp.mapping,
                       policy="skip")
    if imp.errors:
        raise ValueError(f"demo legacy units refused: {imp.errors}")
    import_start(acting_user=staff, member_import=imp)
    import_run(imp.pk)
