"""SMS adapters. The demo has no SMS gateway: ``LogSms`` writes each message to the log."""

from __future__ import annotations

import logging

from tongban.domain.shared.masking import mask_phone

log = logging.getLogger("tongban.sms")


class LogSms:
    """Writes the message to the ``tongban.sms`` log (the phone masked) and keeps the last ones."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        del self.sent[:-100]
        log.warning("短信 → %s：%s", mask_phone(phone), text)
