"""uvicorn's access lines go through the masking filter and still format (one per request)."""

from __future__ import annotations

import logging

from uvicorn.logging import AccessFormatter

from tongban.domain.shared.masking import MaskingFilter


def test_an_access_line_is_masked_and_still_formats() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/people?id=11010519491231002X", "1.1", 200),
        None,
    )
    assert MaskingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line.startswith('127.0.0.1:5000 - "GET /api/v1/people?id=')
    assert "11010519491231002X" not in line
    assert line.endswith('HTTP/1.1" 200 OK')
