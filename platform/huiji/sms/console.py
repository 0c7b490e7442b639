from __future__ import annotations

import logging
import uuid

from huiji.sms.base import SmsBackend

logger = logging.getLogger("huiji.sms")
SENT: list[dict] = []  # the last messages, for the demo's and tests' eyes only


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, phone, text, template="", params=None, event="") -> str:
        message_id = uuid.uuid4().hex
        SENT.append({"phone": phone, "text": text, "id": message_id})
        del SENT[:-100]
        logger.warning("SMS to %s: %s", phone, text)
        return message_id
