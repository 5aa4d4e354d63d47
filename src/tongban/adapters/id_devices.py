"""Simulated identity devices for the demo and tests: an ID-card reader and a face camera.

A real deployment registers adapters for its certified readers behind the same ports
(``services.identity.check.IdCardReader`` and ``FaceCamera``).  The simulated reader takes what
a reader would have read from the card's chip; the simulated camera compares a probe with the
holder's reference photo and returns a match score between 0 and 1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from tongban.domain.identity_check.errors import IdCardUnreadable
from tongban.domain.identity_check.model import CardData


class SimulatedIdCardReader:
    """Reads ``{"id_number": ..., "name": ...}`` as if from the card's chip."""

    def read(self, payload: Mapping[str, Any]) -> CardData:
        if not isinstance(payload, Mapping):
            raise IdCardUnreadable(reason="读卡器没有返回数据，请把身份证放在读卡区")
        number = str(payload.get("id_number") or "").strip()
        name = str(payload.get("name") or "").strip()
        if not number:
            raise IdCardUnreadable(reason="读卡器没有读到证件号码，请把身份证放在读卡区")
        if not name:
            raise IdCardUnreadable(reason="读卡器没有读到姓名，请重新放置身份证")
        return CardData(number, name)


def reference_probe(id_number: str) -> str:
    """The probe the simulated camera takes of the holder themself (their live face)."""
    return "face-" + hashlib.sha256(f"face:{id_number.strip().upper()}".encode()).hexdigest()[:16]


class SimulatedFaceCamera:
    """Scores a probe against the holder's reference photo.

    The holder's own face (``reference_probe``) scores 0.97; any other probe scores below
    0.6; ``"score:0.85"`` returns that score, so a demo can show a borderline case.
    """

    def compare(self, id_number: str, probe: str) -> float:
        text = (probe or "").strip()
        if text.startswith("score:"):
            try:
                return max(0.0, min(1.0, float(text[6:])))
            except ValueError:
                return 0.0
        if text == reference_probe(id_number):
            return 0.97
        digest = hashlib.sha256(f"{id_number}:{text}".encode()).digest()
        return round(0.2 + digest[0] / 255 * 0.39, 2)
