"""The staff design screen /manage/certificates/design/, through real requests: who may open
it, the preview, saving as a configuration revision, refusing bad input."""

from __future__ import annotations

import io
import json

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from huiji.audit.models import AuditEntry
from tenant_apps.certificates.design import certificate_sections
from tenant_apps.configuration.models import ConfigurationRevision, MemberType
from tenant_apps.configuration.selectors import profile_export

URL = "/manage/certificates/design/"
pytestmark = pytest.mark.django_db


def png(size=(120, 80), colour=(10, 60, 140)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def form(**changes) -> dict:
    """The form as the page sends it for CMES seniors' electronic certificate: a title and
    the member number (two items), a seal at 226/156."""
    data = {
        "type": "senior", "document": "electronic", "issued": "1", "page": "a4_landscape",
        "seal_x": "226", "seal_y": "156", "seal_size": "40",
        "f-0-field": "text", "f-0-text": "会员证书", "f-0-x": "148.5", "f-0-y": "50",
        "f-0-size": "40", "f-0-align": "center", "f-0-color": "#1f3e78", "f-0-bold": "1",
        "f-0-spacing": "18",
        "f-1-field": "number", "f-1-prefix": "会员编号：", "f-1-x": "88", "f-1-y": "102",
        "f-1-size": "12", "f-1-align": "left", "f-1-color": "#333333",
        "f-2-field": "qr", "f-2-x": "44", "f-2-y": "135", "f-2-width": "30",
        "f-3-field": "",
    }
    data.update(changes)
    return data


def revisions(slug="alpha") -> int:
    with schema_context(slug):
        return ConfigurationRevision.objects.count()


@pytest.mark.parametrize("role", ["member", "reviewer", "finance", "branch_admin"])
def test_only_hq_administrators_may_design(alpha, role):
    assert alpha.client(role).get(URL).status_code == 403
    assert alpha.client(role).post(URL + "preview/", form()).status_code == 403
    assert alpha.client(role).post(URL, form()).status_code == 403
    assert Client(HTTP_HOST=alpha.host).get(URL).status_code == 302


def test_the_screen_shows_the_saved_design(alpha):
    page = alpha.client("hq_admin").get(URL + "?type=senior&document=electronic")
    assert page.status_code == 200
    html = page.content.decode()
    assert "证书与会员卡" in html
    assert 'value="兹确认 {name} 为中国机械工程学会{type_rank}，特发此证。"' in html
    assert '<option value="photo" data-kind="photo">照片</option>' in html


def test_the_preview_is_a_png_of_the_submitted_design_with_sample_data(alpha):
    client = alpha.client("hq_admin")
    before = revisions()
    answer = client.post(URL + "preview/", form(**{"f-2-x": "200"}))
    assert answer.status_code == 200
    image_url = json.loads(answer.content)["url"]
    image = client.get(image_url)
    assert image["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(image.content))
    assert picture.format == "PNG" and picture.width == 1000
    assert [r.text for r in zxingcpp.read_barcodes(picture)] == ["http://alpha.localhost/"]
    assert revisions() == before  # a preview saves nothing
    # another person (or another association) does not get this image
    with schema_context("alpha"):
        from tenant_apps.accounts.models import Role
        from tenant_apps.accounts.services import user_create

        second = user_create(acting_user=None, name="second admin", username="alpha-admin-2",
                             password="Test-passw0rd-2026", roles=[Role.HQ_ADMIN])
    other = Client(HTTP_HOST=alpha.host)
    with schema_context("alpha"):
        other.force_login(second, backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert other.get(image_url).status_code == 404


def test_saving_records_a_revision_with_the_moved_item(alpha):
    client = alpha.client("hq_admin")
    before = revisions()
    response = client.post(URL, form(**{"f-1-x": "100.5", "f-1-y": "104"}))
    assert response.status_code == 302
    assert response["Location"] == URL + "?type=senior&document=electronic"
    assert revisions() == before + 1
    with schema_context("alpha"):
        design = certificate_sections()["senior"]["designs"]["electronic"]
        assert design["fields"][1] == {
            "field": "number", "x": 100.5, "y": 104.0, "prefix": "会员编号：", "size": 12.0,
            "align": "left", "color": "#333333", "max_width": None, "bold": False,
            "spacing": 0.0}
        assert [f["field"] for f in design["fields"]] == ["text", "number", "qr"]
        # the seal image is kept, the other types' designs carried on
        assert design["seal"]["image"].endswith(".png")
        assert certificate_sections()["regular"]["designs"]["electronic"]["page"] \
            == "a4_landscape"
        entry = AuditEntry.objects.filter(action="certificate.design_changed").latest("id")
        assert entry.data["after"]["fields"][1]["x"] == 100.5
        # and the exported profile carries the design and its images' bytes
        exported = next(t for t in profile_export()["member_types"] if t["code"] == "senior")
        assert exported["certificate"]["designs"]["electronic"]["fields"][1]["x"] == 100.5
        assert exported["certificate"]["designs"]["electronic"]["seal"]["image_data"]


def test_a_new_background_is_stored_and_the_card_turned_on(alpha):
    client = alpha.client("hq_admin")
    data = form(document="card", page="card", seal_x="", seal_y="", seal_size="",
                **{"f-0-x": "42", "f-0-y": "10", "f-0-size": "10", "f-1-x": "5",
                   "f-1-y": "30", "f-2-x": "60", "f-2-y": "20", "f-2-width": "20"})
    data["background"] = SimpleUploadedFile("card.png", png((1011, 638)), "image/png")
    assert client.post(URL, data).status_code == 302
    with schema_context("alpha"):
        section = certificate_sections()["senior"]
        assert section["card"] is True
        assert section["designs"]["card"]["background"].endswith(".png")
        assert "seal" not in section["designs"]["card"]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_saved(alpha):
    client = alpha.client("hq_admin")
    before = revisions()
    data = form()
    data["background"] = SimpleUploadedFile("bg.png", b"%PDF-1.4 a pdf", "image/png")
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "背景图片：不是 PNG 或 JPEG 图片" in response.content.decode()
    assert revisions() == before
    data["background"] = SimpleUploadedFile("bg.png", b"%PDF-1.4 a pdf", "image/png")
    preview = client.post(URL + "preview/", data)
    assert preview.status_code == 400
    assert json.loads(preview.content)["problems"] == ["背景图片：不是 PNG 或 JPEG 图片"]


def test_a_bad_position_is_refused_with_the_item_named(alpha):
    client = alpha.client("hq_admin")
    before = revisions()
    response = client.post(URL, form(**{"f-1-x": "abc", "f-2-width": "500"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "第 2 项（会员号）X（毫米）：须为 0 到 297 之间的数字" in html
    assert "第 3 项（二维码）宽（毫米）：须为 8 到 100 之间的数字" in html
    assert revisions() == before


def test_the_design_travels_with_the_downloaded_profile(alpha, beta):
    download = alpha.client("hq_admin").get("/manage/config/profile/download/")
    assert download.status_code == 200
    text = download.content.decode()
    assert "background_data:" in text and "会员证书" in text
    with schema_context("alpha"):
        saved = certificate_sections()["senior"]["designs"]["electronic"]
    with schema_context("beta"):
        from tenant_apps.configuration.services import profile_import_text

        profile_import_text(acting_user=None, text=text, filename="alpha-profile.yaml")
        imported = certificate_sections()["senior"]
        # the same design, its images stored in beta's own storage under the same names
        assert imported["designs"]["electronic"] == saved
        assert imported["paper"] is True and imported["card"] is False
        from tenant_apps.certificates.design import design_images

        background, seal = design_images(imported["designs"]["electronic"])
        assert background.startswith(b"\x89PNG") and seal.startswith(b"\x89PNG")


def test_the_documents_a_type_issues_with_their_designs(alpha):
    from tenant_apps.certificates.design import design_for, documents_for

    with schema_context("alpha"):
        senior = MemberType.objects.get(code="senior")
        regular = MemberType.objects.get(code="regular")
        assert list(documents_for(senior)) == ["electronic", "paper"]
        assert documents_for(senior)["paper"]["page"] == "a4_landscape"
        assert list(documents_for(regular)) == ["electronic"]
        assert design_for("regular", "paper") is None
        assert design_for("nobody", "electronic") is None
        regular.paper_certificate = True
        regular.save()
        # issued without a design of its own: the plain default, with a QR code
        plain = design_for("regular", "paper")
        assert plain["page"] == "a4_landscape" and plain["background"] == ""
        assert [f["field"] for f in plain["fields"]] == [
            "association", "text", "name", "type_rank", "number", "valid_until",
            "certificate_number", "qr"]
