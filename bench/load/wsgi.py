"""The production WSGI application for the load test, with one difference: the human check
on sign-up accepts any answer.

The check exists to stop scripted sign-ups, which is what the load test is; the rest of
sign-up (the SMS code, its limits, the account, the password hash, the login) runs as in
production. Served by bench/load/run.py as `gunicorn --config deploy/gunicorn.conf.py
bench.load.wsgi:application`.
"""

from huiji import humancheck
from huiji.wsgi import application


def _any_answer(*_args, **_kwargs) -> None:
    return None


humancheck.verify = _any_answer

__all__ = ["application"]
