"""The client's address: X-Forwarded-For is believed only as far as our own proxies wrote it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from huiji.clientip import client_ip


def request(forwarded: str | None, remote: str = "10.0.0.5"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(("forwarded", "expected"), [
    (None, "10.0.0.5"),
    ("1.2.3.4", "10.0.0.5"),              # written by the client: ignored
    ("1.2.3.4, 203.0.113.9", "10.0.0.5"),
])
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request(forwarded)) == expected


@pytest.mark.parametrize(("forwarded", "expected"), [
    ("203.0.113.9", "203.0.113.9"),                    # nginx appended the client's address
    ("1.2.3.4, 203.0.113.9", "203.0.113.9"),           # the client's own hop is not believed
    ("1.2.3.4, 5.6.7.8, 203.0.113.9", "203.0.113.9"),
    ("not-an-address, 203.0.113.9", "203.0.113.9"),
    ("203.0.113.9, garbage", "10.0.0.5"),              # our proxy wrote nonsense: the peer
    (None, "10.0.0.5"),                                # reached the pod directly
    ("", "10.0.0.5"),
])
def test_one_trusted_proxy_takes_the_last_hop(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request(forwarded)) == expected


def test_two_trusted_proxies_take_the_second_hop_from_the_right(settings):
    settings.TRUSTED_PROXIES = 2
    # client -> load balancer (appends 203.0.113.9) -> nginx (appends the balancer, 10.0.0.2)
    assert client_ip(request("1.2.3.4, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    assert client_ip(request("203.0.113.9")) == "203.0.113.9"


@pytest.mark.parametrize("value", ["-1", "one"])
def test_a_bad_number_of_proxies_stops_start_up(value):
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", "import huiji.settings.base"], cwd=root / "platform",
        env={**os.environ, "HUIJI_TRUSTED_PROXIES": value}, capture_output=True, text=True,
        timeout=60, check=False)
    assert result.returncode != 0
    assert f"HUIJI_TRUSTED_PROXIES={value!r}" in result.stderr \
        or f"HUIJI_TRUSTED_PROXIES={value}" in result.stderr
