"""Chinese first, English second; one layout; the source layout the design card fixes."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import polib
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "platform" / "huiji" / "locale"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete
               and not (e.msgstr or (all(e.msgstr_plural.values()) and e.msgstr_plural))]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not missing, missing
    assert not fuzzy, fuzzy


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"))
    # keyed by context too: "Member" (会员) and the membership status "Member" (正式会员)
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in mo}
    stale = [e.msgid for e in po
             if (e.msgstr or e.msgstr_plural) and compiled.get((e.msgctxt, e.msgid)) != (
                 e.msgstr or {
                 int(k): v for k, v in e.msgstr_plural.items()})]
    assert not stale, f"run `manage.py compilemessages`: {stale[:5]}"


@pytest.mark.django_db
def test_chinese_by_default_english_on_request(alpha):
    page = Client(HTTP_HOST=alpha.host).get("/login/").content.decode()
    assert "手机号 / 邮箱" in page
    assert '<html lang="zh-hans">' in page
    english = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en").get("/login/")
    assert "mobile number / email" in english.content.decode()


@pytest.mark.django_db
def test_pages_share_one_layout_made_for_phones(alpha):
    for host, path in [(alpha.host, "/"), (alpha.host, "/login/"), ("localhost", "/"),
                       ("nobody.localhost", "/")]:
        page = Client(HTTP_HOST=host).get(path).content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert "/static/huiji/huiji.css" in page
        assert "http://" not in page.split("<body")[0].replace("http://www.w3.org", ""), \
            "a page loads something from another host"


def test_platform_is_a_source_root_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert hasattr(platform, "python_version"), "the standard library's platform is shadowed"
    assert importlib.import_module("huiji").__file__.startswith(str(ROOT / "platform"))


def test_ruff_keeps_a005_and_dependencies_are_pinned():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lint = config["tool"]["ruff"]["lint"]
    assert "A" in lint["select"] and "A005" not in lint.get("ignore", [])
    pins = {line.split("==")[0].lower() for line in
            (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    for dependency in config["project"]["dependencies"]:
        name = dependency.split("[")[0].split(">")[0].split("<")[0].split("=")[0].lower()
        assert name.replace("_", "-") in {p.replace("_", "-") for p in pins}, name


def test_no_asset_comes_from_a_cdn():
    for path in (ROOT / "platform").rglob("*.html"):
        text = path.read_text()
        assert "cdn" not in text.lower() and "googleapis" not in text, path
