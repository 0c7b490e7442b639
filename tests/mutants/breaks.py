"""The four deliberate signing breaks of issue 15, each applied to a copy of the adapters,
with the protocol tests run against the copy: every break must make some test fail.

    .venv/bin/python -m tests.mutants.breaks          # prints, per break, the tests that fail

No network: the tests talk to the local fake gateways. The repository itself is never
changed; each break is applied to a copy of platform/huiji in a temporary directory, and
pytest runs there (without the Django plugin: these tests need no database).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAYMENTS_TESTS = "platform/huiji/payments/tests"
SMS_TESTS = "platform/huiji/sms/tests"


@dataclass(frozen=True)
class Break:
    name: str
    file: str
    old: str
    new: str
    tests: str  # the test folder to run
    must_fail: tuple[str, ...] = field(default=())  # node ids (prefixes) that must fail


BREAKS = (
    Break("wechat: no trailing newline in the signed message",
          "platform/huiji/payments/wechat.py",
          'return f"{method}\\n{url_path}\\n{timestamp}\\n{nonce}\\n{body}\\n"',
          'return f"{method}\\n{url_path}\\n{timestamp}\\n{nonce}\\n{body}"',
          PAYMENTS_TESTS,
          (f"{PAYMENTS_TESTS}/test_conformance.py::test_wechat_request_message_is_the_documented_one",
           f"{PAYMENTS_TESTS}/test_conformance.py::test_the_adapters_authorization_is_the_sdks",
           f"{PAYMENTS_TESTS}/test_protocols.py::test_wechat_native_h5")),
    Break("alipay: sign_type left out of request signing",
          "platform/huiji/payments/alipay.py",
          'if k != "sign" and v not in (None, ""))',
          'if k not in ("sign", "sign_type") and v not in (None, ""))',
          PAYMENTS_TESTS,
          (f"{PAYMENTS_TESTS}/test_conformance.py::test_request_sign_content_follows_the_documented_example",
           f"{PAYMENTS_TESTS}/test_conformance.py::test_the_adapters_request_signature_is_both_sdks",
           f"{PAYMENTS_TESTS}/test_protocols.py::test_alipay_precreate_page_query_close_refund")),
    Break("aliyun: * left unencoded",
          "platform/huiji/sms/aliyun.py",
          'return quote(str(value), safe="~")',
          'return quote(str(value), safe="~*")',
          SMS_TESTS,
          (f"{SMS_TESTS}/test_conformance.py::test_aliyun_percent_encoding_of_the_characters_that_differ",
           f"{SMS_TESTS}/test_conformance.py::test_aliyun_sdk_signs_what_the_adapter_sent_as_the_adapter_did")),
    Break("tencent: the date in China time",
          "platform/huiji/sms/tencent.py",
          'day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")',
          'day = dt.datetime.fromtimestamp(timestamp, dt.timezone(dt.timedelta(hours=8)))'
          '.strftime("%Y-%m-%d")',
          SMS_TESTS,
          (f"{SMS_TESTS}/test_conformance.py::test_tencent_tc3_example",
           f"{SMS_TESTS}/test_conformance.py::test_tencent_sdk_signs_what_the_adapter_sent_as_the_adapter_did")),
)


@dataclass
class Outcome:
    passed: int
    failed: list[str]
    errors: list[str]


def run(tests: str, broken: Break | None = None) -> Outcome:
    """Run the tests in `tests` against a copy of platform/huiji, with `broken` applied."""
    with tempfile.TemporaryDirectory(prefix="huiji-mutant-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "platform" / "huiji", work / "platform" / "huiji",
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static",
                                                      "templates"))
        if broken is not None:
            target = work / broken.file
            text = target.read_text("utf-8")
            if text.count(broken.old) != 1:
                raise RuntimeError(f"{broken.name}: the line to break is not in "
                                   f"{broken.file} exactly once; update tests/mutants")
            target.write_text(text.replace(broken.old, broken.new), "utf-8")
        (work / "pytest.ini").write_text("[pytest]\npython_files = test_*.py\n", "utf-8")
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
        env["PYTHONPATH"] = str(work / "platform")
        report = work / "report.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-p", "no:django", "-p", "no:xdist", "-p", "no:randomly",
             f"--junitxml={report}", "--rootdir", str(work), tests],
            cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
        if not report.exists():
            raise RuntimeError("pytest wrote no report")
        outcome = Outcome(passed=0, failed=[], errors=[])
        for case in ET.parse(report).iter("testcase"):  # noqa: S314 (our own pytest's)
            path = case.get("classname", "").replace(".", "/")
            node = f"{path}.py::{case.get('name')}"
            if case.find("failure") is not None:
                outcome.failed.append(node)
            elif case.find("error") is not None:
                outcome.errors.append(node)
            elif case.find("skipped") is None:
                outcome.passed += 1
        return outcome


def main() -> int:
    problems = 0
    for folder in (PAYMENTS_TESTS, SMS_TESTS):
        clean = run(folder)
        print(f"unbroken, {folder}: {clean.passed} passed, {len(clean.failed)} failed, "
              f"{len(clean.errors)} errors")
        problems += bool(clean.failed or clean.errors)
    for broken in BREAKS:
        outcome = run(broken.tests, broken)
        print(f"\n{broken.name}: {len(outcome.failed)} failed, {outcome.passed} passed, "
              f"{len(outcome.errors)} errors")
        for node in outcome.failed:
            print(f"  FAILED {node}")
        problems += not outcome.failed
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
