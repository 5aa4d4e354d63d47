"""The file store on both backends: the local disk and a real S3-compatible server (moto's).

Content-addressed round trips, one copy of the same content, nothing left by a refused upload,
a missing file, a damaged file refused on read, an unreachable service, and the choice of
backend by configuration.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import s3
from tongban.adapters.file_store import LocalFileStore
from tongban.adapters.s3_store import S3FileStore, S3Location
from tongban.bootstrap import file_store_for
from tongban.config import Settings
from tongban.domain.errors import FileStoreUnavailable, StoredFileCorrupted
from tongban.services.platform.ports import FileStore

SCAN = b"%PDF-1.7\n" + bytes(range(256)) * 5000  # 1.28 MB, more than one read chunk
SHA = hashlib.sha256(SCAN).hexdigest()


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def stored(files: FileStore) -> list[str]:
    if isinstance(files, S3FileStore):
        return files.stored()
    assert isinstance(files, LocalFileStore)
    return sorted(p.name for p in files.root.rglob("*") if p.is_file())


def corrupt(files: FileStore, sha256: str, data: bytes) -> None:
    """Replace the stored bytes behind the store's back (a damaged disk, a hand edit)."""
    if isinstance(files, S3FileStore):
        files.client.put_object(Bucket=files.location.bucket, Key=files.key(sha256), Body=data)
    else:
        assert isinstance(files, LocalFileStore)
        path = files.root / sha256[:2] / sha256
        path.chmod(0o640)
        path.write_bytes(data)


@pytest.fixture(params=["local", "s3"])
def files(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "s3":
        return s3.store(request.getfixturevalue("s3_endpoint"))
    return LocalFileStore(tmp_path / "files")


def test_a_round_trip_is_named_by_the_content_and_stored_once(files: FileStore) -> None:
    assert files.put(chunks(SCAN)) == (SHA, len(SCAN))
    assert files.put([SCAN]) == (SHA, len(SCAN))  # the same bytes again: one copy
    assert stored(files) == [SHA]
    assert files.exists(SHA)
    with files.open(SHA) as handle:
        assert handle.read() == SCAN


def test_a_refused_upload_leaves_nothing(files: FileStore) -> None:
    def refused() -> Iterator[bytes]:
        yield SCAN[:1000]
        raise ValueError("too large")

    with pytest.raises(ValueError, match="too large"):
        files.put(refused())
    assert stored(files) == []


def test_a_missing_file_is_not_found(files: FileStore) -> None:
    files.put([b"another file"])
    assert not files.exists(SHA)
    with pytest.raises(FileNotFoundError):
        files.open(SHA)
    # Only a well-formed hash ever becomes a path or a key.
    assert not files.exists("../secret.key")
    with pytest.raises(FileNotFoundError):
        files.open("../../secret.key")


def test_a_damaged_file_is_refused_on_read(files: FileStore) -> None:
    files.put([SCAN])
    corrupt(files, SHA, SCAN[:-1] + b"!")
    with pytest.raises(StoredFileCorrupted) as refused:
        files.open(SHA)
    assert refused.value.code == "stored_file_corrupted" and refused.value.status == 500


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_an_unreachable_service_is_unavailable_and_stores_nothing() -> None:
    files = S3FileStore(s3.client(f"http://127.0.0.1:{free_port()}"), S3Location("b", ""))
    with pytest.raises(FileStoreUnavailable) as refused:
        files.put([SCAN])
    assert refused.value.code == "file_store_unavailable" and refused.value.status == 503
    with pytest.raises(FileStoreUnavailable):
        files.open(SHA)


def test_a_bucket_that_is_not_there_is_unavailable(s3_endpoint: str) -> None:
    files = s3.store(s3_endpoint)
    files.put([SCAN])
    stranger = S3FileStore(s3.client(s3_endpoint), S3Location("no-such-bucket", ""))
    with pytest.raises(FileStoreUnavailable):
        stranger.put([SCAN])


def test_the_configuration_chooses_the_backend(tmp_path: Path, s3_endpoint: str) -> None:
    base = Settings(data_dir=tmp_path / "var")
    local = file_store_for(base)
    assert isinstance(local, LocalFileStore) and local.root == tmp_path / "var" / "files"
    mount = file_store_for(base.model_copy(update={"file_store": str(tmp_path / "shared")}))
    assert isinstance(mount, LocalFileStore) and mount.root == tmp_path / "shared"

    remote = file_store_for(s3.settings_for(base, s3_endpoint))
    assert isinstance(remote, S3FileStore) and remote.location.prefix == "uploads/"
    sha, _size = remote.put([SCAN])
    assert remote.client.head_object(Bucket=remote.location.bucket, Key=f"uploads/{SHA[:2]}/{SHA}")
    with remote.open(sha) as handle:
        assert handle.read() == SCAN


def test_an_s3_address_is_parsed_or_refused() -> None:
    assert S3Location.parse("s3://bucket") == S3Location("bucket", "")
    assert S3Location.parse("s3://bucket/a/b/") == S3Location("bucket", "a/b/")
    with pytest.raises(ValueError, match="s3://"):
        S3Location.parse("https://bucket/prefix")
