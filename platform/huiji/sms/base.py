from __future__ import annotations


class SmsError(Exception):
    """The provider refused or could not be reached; the caller retries later."""


class SmsTemplateMissing(SmsError):
    """No provider template code is configured for what is being sent: a mainland gateway
    delivers only pre-approved templates, so the message is refused here, before sending,
    rather than handed to the provider with a blank code."""


class SmsBackend:
    def __init__(self, **options) -> None:
        self.options = options

    def send(self, *, phone: str, text: str, template: str = "", params: dict | None = None,
             event: str = "") -> str:
        """Send one message; returns the provider's message id. `text` is the rendered
        message (what a console shows); providers send `template` with `params`, since
        mainland SMS gateways only deliver pre-approved templates. `event` names what is
        sent (a message event, or the verification code), for the error when no template
        code is configured for it."""
        raise NotImplementedError

    @staticmethod
    def require_template(template: str, event: str, provider: str) -> str:
        code = (template or "").strip()
        if not code:
            what = event or "this message"
            raise SmsTemplateMissing(
                f"{provider} SMS: no provider template code is configured for {what}; "
                "set the template's provider template code, or SMS_TEMPLATES for the "
                "platform's own messages (README, SMS settings)")
        return code
