"""The file-store and key settings as the environment gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongban.config import Settings


def test_the_file_store_and_the_signer_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TONGBAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TONGBAN_FILE_STORE", "s3://tongban-files/prod")
    monkeypatch.setenv("TONGBAN_S3_ENDPOINT_URL", "https://minio.internal:9000")
    monkeypatch.setenv("TONGBAN_S3_SECRET_ACCESS_KEY", "s3-secret")
    monkeypatch.setenv("TONGBAN_SIGNER", "pkcs11")
    monkeypatch.setenv("TONGBAN_PKCS11_PIN", "246810")
    settings = Settings()
    assert settings.file_store == "s3://tongban-files/prod"
    assert settings.s3_endpoint_url == "https://minio.internal:9000"
    assert "s3-secret" not in repr(settings)  # never in a log line or a traceback
    assert settings.signer == "pkcs11" and settings.resolved_pkcs11_pin() == "246810"
    assert settings.resolved_keys_dir() == tmp_path / "var" / "keys"

    pin_file = tmp_path / "pin"
    pin_file.write_text("135790\n")
    monkeypatch.setenv("TONGBAN_PKCS11_PIN_FILE", str(pin_file))
    monkeypatch.setenv("TONGBAN_KEYS_DIR", str(tmp_path / "certificates"))
    settings = Settings()
    assert settings.resolved_pkcs11_pin() == "135790"  # the file wins
    assert settings.resolved_keys_dir() == tmp_path / "certificates"


def test_an_unknown_signer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGBAN_SIGNER", "hsm")
    with pytest.raises(ValueError, match="signer"):
        Settings()
