"""Uploaded files on the local disk, content-addressed: ``{root}/ab/abcdef…`` by SHA-256.

The client's file name never reaches the path: a file is named by its content hash only.  Bytes
go to a temporary file in ``{root}/tmp`` first, are flushed to disk, and only then renamed into
place (an atomic rename on one file system), so a reader never sees half a file and a refused
or interrupted upload leaves nothing behind.

Every read checks the content against its name: bytes that no longer hash to the SHA-256 they
are stored under (a damaged disk, a file changed by hand) are refused with
``StoredFileCorrupted``, never served.  ``adapters.s3_store`` keeps the same keys in an
S3-compatible bucket for several app servers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from tongban.domain.errors import StoredFileCorrupted

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024
log = logging.getLogger("tongban.files")


def check_content(handle: BinaryIO, sha256: str) -> BinaryIO:
    """``handle`` rewound once its content is found to hash to ``sha256``; otherwise it is
    closed and ``StoredFileCorrupted`` raised (and logged: operations restore from backup)."""
    digest = hashlib.sha256()
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            log.error("stored file %s does not match its hash (%s)", sha256, digest.hexdigest())
            raise StoredFileCorrupted()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


class LocalFileStore:
    """``FileStore`` on the local disk under ``root`` (``{data_dir}/files`` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            # Never build a path from anything but a well-formed hash.
            raise FileNotFoundError(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        staging = self.root / "tmp"
        staging.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, temp_name = tempfile.mkstemp(dir=staging, prefix="upload-")
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self._path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                temp.unlink()  # the same content is stored already: keep one copy
            else:
                temp.chmod(0o640)
                os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return sha256, size

    def open(self, sha256: str) -> BinaryIO:
        return check_content(self._path(sha256).open("rb"), sha256)

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except FileNotFoundError:
            return False
