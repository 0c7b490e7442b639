"""Operations: health checks, Prometheus metrics, Sentry and the beat heartbeat."""
