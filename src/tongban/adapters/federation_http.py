"""Delivery of 跨城通办 messages over HTTP(S) with the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class HttpTransport:
    """POSTs a JSON document and reads the JSON answer; a timeout or refused connection is an
    ``OSError`` (the outbox retries with back-off)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def post_json(self, url: str, document: dict[str, Any]) -> tuple[int, Any]:
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:  # a refusal is an answer, not a fault
            return error.code, _json(error.read())

    def get_json(self, url: str) -> tuple[int, Any]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
