"""Test settings plus bench/bench_change, a tenant app whose migrations bench/migrations.py
switches on after provisioning (MIGRATION_MODULES None: no migrations until then)."""

from huiji.settings.test import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "bench.bench_change"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "bench.bench_change"]  # noqa: F405
MIGRATION_MODULES = {"bench_change": None}
