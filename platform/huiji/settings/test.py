"""Settings for the test suite: the development defaults, made fast and deterministic."""

from huiji.settings.development import *  # noqa: F403

DEBUG = False
# Argon2 is deliberately slow; tests that count logins do not need it to be.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F405
