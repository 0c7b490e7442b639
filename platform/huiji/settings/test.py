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
