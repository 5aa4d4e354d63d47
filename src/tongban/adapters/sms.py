"""SMS adapters. The demo has no SMS gateway: ``LogSms`` writes each message to the log."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from tongban.domain.shared.masking import mask_phone

log = logging.getLogger("tongban.sms")


class LogSms:
    """Writes the message to the ``tongban.sms`` log (the phone masked) and keeps the last ones.

    A ``message_id`` already sent is ignored, as a real gateway's idempotency token would be:
    the outbox may hand over the same message again after a worker dies mid-delivery.
    """

    REMEMBERED = 10_000

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, *, message_id: str | None = None) -> None:
        with self._lock:
            if message_id is not None:
                if message_id in self._seen:
                    log.info("短信 %s 已发送过，不再重复发送", message_id)
                    return
                self._seen[message_id] = None
                while len(self._seen) > self.REMEMBERED:
                    self._seen.popitem(last=False)
            self.sent.append((phone, text))
            del self.sent[:-100]
        log.warning("短信 → %s：%s", mask_phone(phone), text)
