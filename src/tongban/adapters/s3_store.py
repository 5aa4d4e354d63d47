"""Uploaded files in an S3-compatible bucket, so that several app servers share them.

The same content-addressed names as on the local disk (``{prefix}ab/abcdef…`` by SHA-256),
through boto3, the AWS SDK that MinIO, Ceph RGW and the cloud vendors' object stores all answer.
An upload is spooled (in memory up to 8 MB, then a temporary file) while it is hashed, and sent
in one ``PutObject`` only once the whole content has been read and accepted: a refused or
interrupted upload sends nothing.  The object carries its SHA-256 as the S3 checksum, so the
service itself refuses bytes damaged on the way.  Every read is checked against the name
(``StoredFileCorrupted``); an unreachable service or refused credentials is
``FileStoreUnavailable``; an absent object is ``FileNotFoundError`` as the port says.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from tongban.adapters.file_store import CHUNK, SHA256, check_content, log
from tongban.domain.errors import FileStoreUnavailable

SPOOL_BYTES = 8 * 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix``: the bucket and the key prefix (empty, or ending in ``/``)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix address: {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")


def s3_client(
    *,
    endpoint_url: str = "",
    region: str = "",
    access_key_id: str = "",
    secret_access_key: str = "",
    addressing_style: str = "path",
) -> Any:
    """A boto3 S3 client; credentials left empty come from boto3's usual chain (the
    ``AWS_*`` environment, the shared credentials file, an instance role)."""
    import boto3
    from botocore.config import Config

    config = Config(
        s3={"addressing_style": addressing_style},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        # Send the checksum S3 asks for only when an operation requires it: ours is set
        # explicitly (ChecksumSHA256), and older S3-compatible servers refuse the rest.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=config,
    )


class S3FileStore:
    """``FileStore`` in the bucket and under the prefix of ``location``."""

    def __init__(self, client: Any, location: S3Location) -> None:
        self.client = client
        self.location = location

    def key(self, sha256: str) -> str:
        if not SHA256.match(sha256):
            # Never build a key from anything but a well-formed hash.
            raise FileNotFoundError(sha256)
        return f"{self.location.prefix}{sha256[:2]}/{sha256}"

    def _unavailable(self, error: Exception) -> FileStoreUnavailable:
        log.error("file store s3://%s unavailable: %s", self.location.bucket, error)
        return FileStoreUnavailable()

    def put(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        from botocore.exceptions import BotoCoreError, ClientError

        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for chunk in chunks:  # a refused upload raises here, before anything is sent
                spool.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            sha256 = digest.hexdigest()
            if self.exists(sha256):
                return sha256, size  # the same content is stored already: keep one copy
            spool.seek(0)
            try:
                self.client.put_object(
                    Bucket=self.location.bucket,
                    Key=self.key(sha256),
                    Body=spool,
                    ContentLength=size,
                    ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                    Metadata={"sha256": sha256},
                )
            except (BotoCoreError, ClientError) as error:
                raise self._unavailable(error) from error
        return sha256, size

    def open(self, sha256: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.key(sha256)
        # Handed to the caller, who closes it: not a ``with`` block here.
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            answer = self.client.get_object(Bucket=self.location.bucket, Key=key)
            body = answer["Body"]
            while chunk := body.read(CHUNK):
                spool.write(chunk)
            body.close()
        except ClientError as error:
            spool.close()
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(sha256) from None
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            spool.close()
            raise self._unavailable(error) from error
        spool.seek(0)
        return check_content(spool, sha256)  # type: ignore[arg-type]

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            key = self.key(sha256)
        except FileNotFoundError:
            return False
        try:
            self.client.head_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        return True

    def stored(self) -> list[str]:
        """The SHA-256 of every stored file (for checks and a backup's inventory)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix
        )
        return sorted(
            obj["Key"].rsplit("/", 1)[-1] for page in pages for obj in page.get("Contents", [])
        )
