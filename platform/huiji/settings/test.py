"""Settings for the test suite: the development defaults, made fast and deterministic."""

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
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F405

# The two-database test (tenants/tests/test_databases.py) points `second` at a database of its
# own while it runs, and `platform` at this one; until then both mirror the test database and
# nothing uses them: no association is placed on `second` (TENANT_DATABASES stays default).
DATABASES["second"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASES["platform"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
