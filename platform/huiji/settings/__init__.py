"""Settings: `base` reads the environment; `development`, `production` and `test` adjust it."""
