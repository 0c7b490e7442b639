"""The demo (`deploy/local/demo`) shows the product's own error pages, not Django's debug
pages, and still serves its static files (WhiteNoise, no `--insecure`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ARTIFACTS, ROOT, _free_port
from tests.test_celery_worker import database_url


def _demo_environment() -> dict:
    """The variables the demo script exports, as bash reads them from the script itself."""
    lines = [line for line in (ROOT / "deploy/local/demo").read_text().splitlines()
             if line.startswith("export ")]
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    out = subprocess.run(["bash", "-c", "\n".join([*lines, "env -0"])], env=env,
                         capture_output=True, text=True, check=True).stdout
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def _get(url: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (local)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.django_db
def test_the_demo_answers_a_missing_page_with_its_own_404_and_serves_static_files(
        demo_tenants):
    port = _free_port()
    env = {**_demo_environment(), "DJANGO_SETTINGS_MODULE": "huiji.settings.development",
           "DATABASE_URL": database_url(), "HUIJI_PORT": str(port)}
    env.pop("CELERY_BROKER_URL", None)
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "demo-server.log").open("w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload",
                                 f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            base = f"http://localhost:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            status, body = _get(f"http://127.0.0.1:{port}/no-such-page/",
                                f"cmes.localhost:{port}")
            assert status == 404
            assert "您访问的页面不存在" in body
            assert "Using the URLconf" not in body and "DEBUG = True" not in body
            status, css = _get(f"{base}/static/huiji/huiji.css", f"localhost:{port}")
            assert status == 200 and ".badge" in css
        finally:
            proc.terminate()
            proc.wait(timeout=20)
