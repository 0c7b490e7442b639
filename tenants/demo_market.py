"""Demo posts of Jiangsu's 供需对接 and 产品对接 (tenant_apps/marketplace): several published
supplies, demands and products of its demo member units, and one waiting for the
secretariat's review. Made through the services, as members and staff would; nothing if
the association has posts already or its profile has the marketplace off."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

POSTS = [
    # kind, title, category, region (GB/T 2260), description, published
    ("supply", "供应PE燃气管材 DN32-DN315", "pipes", "320100",
     "符合GB 15558.1标准，SDR11/SDR17.6，现货充足。\n可提供检测报告，省内配送。", True),
    ("supply", "燃气调压箱 批量供应", "gas_equipment", "320500",
     "楼栋调压箱、区域调压柜，进口调压器可选。\n质保两年，提供安装指导。", True),
    ("supply", "供热管网保温施工服务", "engineering", "320200",
     "直埋保温管道施工、管网改造，具备市政公用工程施工资质。", True),
    ("demand", "求购智能燃气表 5000台", "meters", "320400",
     "需NB-IoT物联网表，G1.6/G2.5规格，年内分批交货。\n请有意向的会员单位联系报价。", True),
    ("demand", "寻求换热站自动化改造合作", "heat_equipment", "320300",
     "约30座换热站需要远程监控与自动调节改造，寻求有经验的合作单位。", True),
    ("product", "工商业用燃气泄漏报警器", "gas_equipment", "320100",
     "点型可燃气体探测器，防爆认证，支持4-20mA与RS485输出。", True),
    ("product", "板式换热机组", "heat_equipment", "320600",
     "模块化设计，换热效率高，适用于小区供热换热站。", True),
    ("product", "超声波燃气流量计", "meters", "320500",
     "DN50-DN300，量程比1:160，带温压补偿。", True),
    ("supply", "钢制燃气阀门 现货", "pipes", "321000",
     "全焊接球阀、闸阀，DN50-DN600，欢迎咨询。", False),  # waits for review
]
COLOURS = {"supply": (14, 116, 144), "demand": (180, 83, 9), "product": (22, 101, 52)}


def _picture(kind: str, n: int) -> SimpleUploadedFile:
    """A plain picture with a lighter band (the demo has no product photos)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), COLOURS[kind])
    ImageDraw.Draw(image).rectangle((0, 250 - n * 10, 480, 300 - n * 10), fill=(240, 240, 240))
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile(f"demo-{kind}-{n}.png", out.getvalue(), "image/png")


def demo_market_create(admin_phone: str) -> int:
    from tenant_apps.accounts.models import User
    from tenant_apps.marketplace.config import market_settings
    from tenant_apps.marketplace.models import Post
    from tenant_apps.marketplace.services import may_post, post_approve, post_create

    if not market_settings().enabled or Post.objects.exists():
        return 0
    admin = User.objects.get(phone=admin_phone)
    posters = [u for u in User.objects.filter(membership__isnull=False)
               .select_related("membership").order_by("pk") if may_post(u)]
    if not posters:
        return 0
    for n, (kind, title, category, region, text, published) in enumerate(POSTS):
        author = posters[n % len(posters)]
        post = post_create(acting_user=author, token=uuid.uuid4(), data={
            "kind": kind, "title": title, "category": category, "region": region,
            "description": text, "contact_name": author.name[:50],
            "contact_phone": author.phone or "025-83110309", "contact_email": "",
            "show_contact": n % 3 != 2,
            "valid_until": timezone.localdate() + dt.timedelta(days=30 + 20 * n)},
            images=[_picture(kind, n)] if kind != "demand" else [])
        if published:
            post_approve(acting_user=admin, post=post)
    return len(POSTS)
