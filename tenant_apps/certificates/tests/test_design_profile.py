"""The `certificate:` section of a member type in the profile: which documents, and their
designs, checked with exact paths and messages (English here, as the profile tests do)."""

from __future__ import annotations

import base64
import copy
import io
from pathlib import Path

import pytest
import yaml
from django.utils import translation
from PIL import Image

from tenant_apps.configuration.profile import ProfileError, load_profile_text, validate_profile
from tenant_apps.configuration.tests.test_profile_validation import MINIMAL

P = "member_types[0].certificate"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def with_certificate(section, kind="individual"):
    document = copy.deepcopy(MINIMAL)
    document["member_types"][0]["certificate"] = section
    document["member_types"][0]["kind"] = kind
    return document


def problems_of(document):
    with pytest.raises(ProfileError) as info:
        validate_profile(document, filename="test.yaml")
    return info.value.problems


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_an_old_profile_stays_valid_and_issues_no_card():
    out = validate_profile(with_certificate({"electronic": True, "paper": True}),
                           filename="test.yaml")
    assert out["member_types"][0]["certificate"] == {
        "electronic": True, "paper": True, "card": False, "designs": {}}


def test_a_design_is_normalised_with_its_defaults():
    section = {"card": True, "designs": {"card": {"page": "card", "fields": [
        {"field": "name", "x": 5, "y": 20, "size": 12},
        {"field": "qr", "x": 60, "y": 15, "width": 20},
        {"field": "text", "text": "会员卡", "x": 80, "y": 8, "align": "right",
         "color": "#0A2A5C", "bold": True},
    ]}}}
    out = validate_profile(with_certificate(section), filename="test.yaml")
    design = out["member_types"][0]["certificate"]["designs"]["card"]
    assert design == {"page": "card", "background": "", "fields": [
        {"field": "name", "x": 5.0, "y": 20.0, "prefix": "", "size": 12.0, "align": "left",
         "color": "#000000", "max_width": None, "bold": False, "spacing": 0.0},
        {"field": "qr", "x": 60.0, "y": 15.0, "width": 20.0},
        {"field": "text", "x": 80.0, "y": 8.0, "text": "会员卡", "size": 12.0,
         "align": "right", "color": "#0a2a5c", "max_width": None, "bold": True,
         "spacing": 0.0},
    ]}


def test_every_problem_of_a_design_is_named_by_its_path():
    section = {"card": "yes", "stamp": True, "designs": {
        "wallet": {},
        "electronic": {"page": "a3", "fields": [
            {"field": "nickname", "x": 1, "y": 1},
            {"field": "name", "x": 300, "y": 10, "color": "red", "align": "middle"},
            {"field": "text", "x": 10, "y": 10},
            {"field": "text", "text": "兹证明{name}为{rank}", "x": 10, "y": 10},
            {"field": "photo", "x": 10, "y": 10, "width": 2, "size": 9},
            {"field": "credit_code", "x": 10, "y": "ten"},
        ]},
        "paper": {"page": "a4_portrait", "seal": {"x": 10, "y": 10, "size": 30}},
    }}
    assert problems_of(with_certificate(section)) == [
        (f"{P}.stamp", "is not a known key"),
        (f"{P}.card", "must be true or false"),
        (f"{P}.designs.wallet", "is not a known key"),
        (f"{P}.designs.electronic.page",
         "must be one of: a4_landscape, a4_portrait, a5_landscape, a5_portrait, card"),
        (f"{P}.designs.electronic.fields[0].field",
         "must be one of: association, name, number, type_rank, joined_on, valid_until, "
         "certificate_number, issued_on, credit_code, verify_code, photo, qr, text"),
        (f"{P}.designs.electronic.fields[1].x", "must be a number from 0 to 297"),
        (f"{P}.designs.electronic.fields[1].align", "must be one of: center, left, right"),
        (f"{P}.designs.electronic.fields[1].color", "must be a colour written #RRGGBB"),
        (f"{P}.designs.electronic.fields[2].text", "is required"),
        (f"{P}.designs.electronic.fields[3].text",
         "uses {rank}, which is not a field; it may use: {association}, {name}, {number}, "
         "{type_rank}, {joined_on}, {valid_until}, {certificate_number}, {issued_on}, "
         "{credit_code}, {verify_code}"),
        (f"{P}.designs.electronic.fields[4].size", "is not a known key"),
        (f"{P}.designs.electronic.fields[4].width", "must be a number from 5 to 100"),
        (f"{P}.designs.electronic.fields[5].field",
         "an individual's document has no Unified social credit code"),
        (f"{P}.designs.electronic.fields[5].y", "must be a number from 0 to 297"),
        (f"{P}.designs.paper.seal.image", "is required"),
    ]


def test_a_unit_document_has_no_photo():
    section = {"designs": {"electronic": {"page": "a4_portrait", "fields": [
        {"field": "photo", "x": 10, "y": 10}]}}}
    assert problems_of(with_certificate(section, kind="unit")) == [
        (f"{P}.designs.electronic.fields[0].field", "a unit's document has no Photo")]


def test_images_are_read_next_to_the_profile_and_checked_by_content(tmp_path: Path):
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "bg.png").write_bytes(png_bytes())
    (tmp_path / "art" / "seal.png").write_bytes(b"%PDF-1.4 not an image")
    document = with_certificate({"designs": {"electronic": {
        "page": "a4_landscape", "background": "art/bg.png",
        "seal": {"image": "art/seal.png", "x": 200, "y": 150, "size": 40}}}})
    text = yaml.safe_dump(document, allow_unicode=True)
    with pytest.raises(ProfileError) as info:
        load_profile_text(text, filename="test.yaml", base_dir=tmp_path)
    assert info.value.problems == [
        (f"{P}.designs.electronic.seal.image", "is not a PNG or JPEG image")]

    (tmp_path / "art" / "seal.png").write_bytes(png_bytes((90, 90)))
    out = load_profile_text(text, filename="test.yaml", base_dir=tmp_path)
    design = out["member_types"][0]["certificate"]["designs"]["electronic"]
    assert design["background"] == "bg.png"
    assert base64.b64decode(design["background_data"]) == png_bytes()
    assert design["seal"]["image"] == "seal.png"
    assert design["seal"]["size"] == 40.0


def test_an_image_outside_the_profile_folder_is_refused(tmp_path: Path):
    (tmp_path / "inner").mkdir()
    (tmp_path / "secret.png").write_bytes(png_bytes())
    document = with_certificate({"designs": {"electronic": {
        "page": "a4_landscape", "background": "../secret.png"}}})
    with pytest.raises(ProfileError) as info:
        load_profile_text(yaml.safe_dump(document), filename="test.yaml",
                          base_dir=tmp_path / "inner")
    assert info.value.problems == [
        (f"{P}.designs.electronic.background",
         "names no image file next to the profile (or give background_data)")]


def test_a_revision_names_stored_images_only():
    document = with_certificate({"designs": {"electronic": {
        "page": "a4_landscape", "background": "../../etc/passwd"}}})
    with pytest.raises(ProfileError) as info:
        validate_profile(document, filename="configuration", skip_template_files=True)
    assert info.value.problems == [
        (f"{P}.designs.electronic.background",
         "must name a stored image (its SHA-256 and .png or .jpg)")]
