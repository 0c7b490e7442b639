"""Settings for the test suite: the development defaults, made fast and deterministic."""

import os

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from huiji.settings.development import *  # noqa: F403


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Argon2 is deliberately slow and the suite creates and logs in many accounts. This writes
    ordinary pbkdf2_sha256 hashes with few iterations (the count is stored in the hash), so the
    browser tests' server, running the demo's settings, still verifies them."""

    iterations = 1000


DEBUG = False
PASSWORD_HASHERS = [
    "huiji.settings.test.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# One folder per pytest-xdist worker: each worker has its own database with the same
# association names, and files are kept under the association's schema name, so a test that
# lists an association's files (export and restore) would see the other worker's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
MEDIA_ROOT = DATA_DIR / ("test-media" + (f"-{_WORKER}" if _WORKER else ""))  # noqa: F405

# The two-database test (tenants/tests/test_databases.py) points `second` at a database of its
# own while it runs, and `platform` at this one; until then both mirror the test database and
# nothing uses them: no association is placed on `second` (TENANT_DATABASES stays default).
DATABASES["second"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASES["platform"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
