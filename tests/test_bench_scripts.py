"""The benchmarks still start: each imports what it uses from the code it measures (a rename
there broke the load test once without any test noticing). They are not run here: each needs
minutes and a quiet machine (bench/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["bench/load/run.py", "bench/notifications.py",
                                    "bench/pages.py", "bench/human_check.py",
                                    "bench/sealing.py"])
def test_benchmark_starts(script):
    result = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout


def test_the_load_tests_users_load_and_sign_a_notification(tmp_path):
    """locust (imported first, as it patches the standard library) imports the users' file
    before anything runs; a notification it makes is signed as WeChat Pay signs (checked with
    the fake gateway's own verification, written apart from the adapters)."""
    from huiji.payments.fake_gateway import key_pair

    private, public = key_pair()
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"orders": [], "server": "http://127.0.0.1:1",
                                  "platform_private": private, "platform_serial": "S1"}))
    code = ("import locust, json, runpy, sys; sys.argv = ['locust']; "
            "g = runpy.run_path('bench/load/locustfile.py', run_name='locustfile'); "
            "headers, body = g['_notification']({'api_v3_key': 'k' * 32, 'mchid': '1', "
            "'appid': 'wx', 'number': 'N1', 'transaction_id': 'T1', 'amount_fen': 100}); "
            "print(json.dumps({'headers': headers, 'body': body.decode()}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False,
                            env={**os.environ, "LOAD_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr[-2000:]
    sent = json.loads(result.stdout.strip().splitlines()[-1])
    headers = sent["headers"]
    assert headers["Wechatpay-Serial"] == "S1"
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{sent['body']}\n"
    from huiji.payments.fake_gateway import sha256_with_rsa_checks

    assert sha256_with_rsa_checks(public, message, headers["Wechatpay-Signature"])
