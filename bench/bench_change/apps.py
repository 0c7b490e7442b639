from django.apps import AppConfig


class BenchChangeConfig(AppConfig):
    """A schema change for bench/migrations.py only: never in the platform's settings."""

    name = "bench.bench_change"
    label = "bench_change"
