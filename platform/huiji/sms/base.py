from __future__ import annotations


class SmsError(Exception):
    """The provider refused or could not be reached; the caller retries later."""


class SmsBackend:
    def __init__(self, **options) -> None:
        self.options = options

    def send(self, *, phone: str, text: str, template: str = "", params: dict | None = None
             ) -> str:
        """Send one message; returns the provider's message id. `text` is the rendered
        message (what a console shows); providers send `template` with `params`, since
        mainland SMS gateways only deliver pre-approved templates."""
        raise NotImplementedError
