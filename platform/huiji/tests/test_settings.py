"""Settings: strict environment parsing, production hardening, embedded defaults."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from huiji.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[3]


def test_bad_boolean_is_an_error_not_false(monkeypatch):
    monkeypatch.setenv("HUIJI_FLAG", "flase")
    with pytest.raises(ImproperlyConfigured, match="HUIJI_FLAG"):
        env_bool("HUIJI_FLAG", False)
    for value, expected in [("1", True), ("yes", True), ("OFF", False), ("0", False)]:
        monkeypatch.setenv("HUIJI_FLAG", value)
        assert env_bool("HUIJI_FLAG", not expected) is expected


def test_bad_integer_is_an_error(monkeypatch):
    monkeypatch.setenv("HUIJI_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="HUIJI_N"):
        env_int("HUIJI_N", 1)


def test_secrets_can_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("HUIJI_SECRET_FILE", str(secret))
    assert env_str("HUIJI_SECRET") == "from-a-file"
    monkeypatch.setenv("HUIJI_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("HUIJI_SECRET")


def test_required_and_list_values(monkeypatch):
    monkeypatch.delenv("HUIJI_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str("HUIJI_MISSING", required=True)
    monkeypatch.setenv("HUIJI_HOSTS", " a.test, .b.test ,")
    assert env_list("HUIJI_HOSTS", []) == ["a.test", ".b.test"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unset = ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
             "CELERY_BROKER_URL")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    if env.get("DJANGO_SETTINGS_MODULE") == "huiji.settings.production":
        # a data key of its own unless the test gives one (or "" for none)
        env.setdefault("HUIJI_DATA_KEYS", "t1=" + base64.b64encode(os.urandom(32)).decode())
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="huiji.settings.production",
                     DATABASE_URL="postgres://u@127.0.0.1:1/none")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_without_data_keys_of_its_own():
    """Personal data is sealed with HUIJI_DATA_KEYS (docs/personal-data.md): production
    neither starts without them nor with the public development key."""
    from huiji.crypto import DEVELOPMENT_KEYS

    base = {"DJANGO_SETTINGS_MODULE": "huiji.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgres://u@127.0.0.1:1/none",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    result = _manage("check", **base, HUIJI_DATA_KEYS="")
    assert result.returncode != 0 and "HUIJI_DATA_KEYS is required" in result.stderr
    result = _manage("check", **base, HUIJI_DATA_KEYS=DEVELOPMENT_KEYS)
    assert result.returncode != 0 and "public development key" in result.stderr
    result = _manage("check", **base, HUIJI_DATA_KEYS="k1=c2hvcnQ=")
    assert result.returncode != 0 and "must be 32 bytes" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DJANGO_SETTINGS_MODULE="huiji.settings.production",
                     SECRET_KEY=secrets.token_urlsafe(50),
                     DATABASE_URL="postgres://u@127.0.0.1:1/none",
                     CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_run_tasks_inline():
    """Without a broker, tasks would run in the web server's request threads."""
    base = {"DJANGO_SETTINGS_MODULE": "huiji.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgres://u@127.0.0.1:1/none"}
    result = _manage("check", **base)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL is required by the production settings" in result.stderr
    assert _manage("check", **base, CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//") \
        .returncode == 0


def test_embedded_defaults():
    from django.conf import settings

    from huiji.settings import base

    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.STORAGES["default"]["BACKEND"] == "huiji.storage.TenantFileSystemStorage"
    assert settings.TENANT_LIMIT_SET_CALLS is True
    assert "django.core.mail.backends.console" in base.EMAIL_BACKEND


def test_production_keeps_the_puzzles_where_every_server_process_sees_them():
    """A puzzle drawn by one gunicorn worker is answered to another: without Redis the human
    check's store is files in the temporary folder, not each process's own memory."""
    base = {"DJANGO_SETTINGS_MODULE": "huiji.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgres://u@127.0.0.1:1/none",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CACHE_URL": "", "REDIS_URL": ""}
    show = ("shell", "-v", "0", "-c", "from django.conf import settings; "
            "print(settings.CACHES['humancheck']['BACKEND'])")
    result = _manage(*show, **base)
    assert result.stdout.strip() == "django.core.cache.backends.filebased.FileBasedCache", \
        result.stderr
    result = _manage(*show, **{**base, "CACHE_URL": "redis://127.0.0.1:6379/9"})
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache", result.stderr
