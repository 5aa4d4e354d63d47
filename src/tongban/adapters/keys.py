"""The e-licence keys on disk: a CA, and the signing keys with their CA-issued certificates.

Layout under ``{data_dir}/keys/`` (private keys are written 0600)::

    ca.key.pem  ca.cert.pem            ECDSA P-256, self-signed, 20 years
    signing/<kid>.key.pem  <kid>.cert.pem   ECDSA P-256 (ES256 JWTs and PAdES), 5 years
    current                            the kid new licences are signed with

Rotation adds a signing key and points ``current`` at it; the old keys stay, so licences they
signed still verify against the published JWKS.  ``KeyRing`` is the loaded, read-only view.

The current private key may live on a PKCS#11 token instead (``adapters.pkcs11_signer``): the
directory then holds the certificates and ``current`` but no ``<kid>.key.pem``, and the ring
signs through the token (``KeyRing.signer``, see ``adapters.signer``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from jwcrypto.jwk import JWK

from tongban.adapters.signer import FileSigner, LicenceSigner

SIGNER_NAME = "电子证照签章"
ALGORITHM = "ES256"


@dataclass(frozen=True)
class CaSubject:
    """Who the CA is (the jurisdiction's licence authority): the subject of its certificate,
    which its signing keys' certificates repeat with their own common name."""

    organisation: str
    common_name: str
    province: str = ""
    locality: str = ""


UNNAMED_CA = CaSubject(organisation="通办电子证照", common_name="通办 电子证照 CA")
"""The subject of keys made where no jurisdiction is configured (tests of the keys alone)."""


class KeysNotInitialised(RuntimeError):
    """The key directory holds no CA or no current signing key."""


@dataclass(frozen=True)
class SigningKey:
    """One signing key: ``kid``, the private key (for the current one) and its certificate."""

    kid: str
    certificate_pem: bytes
    private_key: ec.EllipticCurvePrivateKey | None = None

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem)

    def public_jwk(self) -> dict[str, Any]:
        key = JWK.from_pyca(self.certificate.public_key())
        return {**key.export_public(as_dict=True), "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    def private_pem(self) -> bytes:
        if self.private_key is None:
            raise KeysNotInitialised(f"no private key for {self.kid}")
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass(frozen=True)
class KeyRing:
    """The keys of one data directory, loaded once per process."""

    directory: Path
    ca_certificate_pem: bytes
    current: SigningKey
    keys: dict[str, SigningKey]
    token_signer: LicenceSigner | None = None
    """The current key's signer when it is kept on a token rather than in the directory."""

    def jwks(self) -> dict[str, Any]:
        """Every signing key's public half, newest first: what ``/.well-known/jwks.json`` serves."""
        ordered = sorted(self.keys.values(), key=lambda k: k.kid, reverse=True)
        return {"keys": [k.public_jwk() for k in ordered]}

    @property
    def signer(self) -> LicenceSigner:
        """What signs with the current key: the token's signer, or the key file's."""
        if self.token_signer is not None:
            return self.token_signer
        if self.current.private_key is None:
            raise KeysNotInitialised(f"no private key for {self.current.kid} in {self.directory}")
        return FileSigner(self.current.kid, self.current.certificate_pem, self.current.private_key)

    def with_signer(self, signer: LicenceSigner) -> KeyRing:
        """The same keys, the current one signing through ``signer`` (a PKCS#11 token)."""
        if signer.certificate_pem != self.current.certificate_pem:
            raise KeysNotInitialised(f"the signer is not the current key {self.current.kid}")
        return dataclasses.replace(self, token_signer=signer)


# --- files ---------------------------------------------------------------------------------------


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically (temporary file, then rename), 0600 for private keys."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process at a time creates or rotates keys (several app processes share a disk)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _name(subject: CaSubject) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if subject.province:
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, subject.province))
    if subject.locality:
        attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, subject.locality))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject.organisation))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, subject.common_name))
    return x509.Name(attributes)


def _signer_name(ca_subject: x509.Name, common: str) -> x509.Name:
    """The CA's subject with the signing key's own common name."""
    kept = [a for a in ca_subject if a.oid != NameOID.COMMON_NAME]
    return x509.Name([*kept, x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _new_ca(
    now: datetime, subject: CaSubject
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(subject)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _new_signer(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, kid: str, now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_signer_name(ca_cert.subject, f"{SIGNER_NAME} {kid}"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _add_signing_key(directory: Path, now: datetime) -> str:
    ca_key = serialization.load_pem_private_key((directory / "ca.key.pem").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate((directory / "ca.cert.pem").read_bytes())
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    kid = f"lk-{now:%Y%m%d}-{secrets.token_hex(3)}"
    key, cert = _new_signer(ca_key, ca_cert, kid, now)
    signing = directory / "signing"
    signing.mkdir(exist_ok=True, mode=0o700)
    _write(signing / f"{kid}.key.pem", _pem_key(key), private=True)
    _write(signing / f"{kid}.cert.pem", cert.public_bytes(serialization.Encoding.PEM))
    _write(directory / "current", kid.encode())
    return kid


def initialise(
    directory: Path, *, subject: CaSubject = UNNAMED_CA, now: datetime | None = None
) -> bool:
    """Create the CA (named ``subject``) and a first signing key unless they exist; True when
    something was made."""
    now = now or datetime.now(UTC)
    with _locked(directory):
        made = False
        if not (directory / "ca.cert.pem").exists():
            ca_key, ca_cert = _new_ca(now, subject)
            _write(directory / "ca.key.pem", _pem_key(ca_key), private=True)
            _write(directory / "ca.cert.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
            made = True
        if not (directory / "current").exists():
            _add_signing_key(directory, now)
            made = True
        return made


def rotate(directory: Path, *, now: datetime | None = None) -> str:
    """Add a new signing key and make it current; returns its kid.  Old keys stay published."""
    initialise(directory, now=now)
    with _locked(directory):
        return _add_signing_key(directory, now or datetime.now(UTC))


def load(directory: Path) -> KeyRing:
    """Read the key directory; ``KeysNotInitialised`` when there is no CA or current key."""
    current_file = directory / "current"
    ca_file = directory / "ca.cert.pem"
    if not current_file.exists() or not ca_file.exists():
        raise KeysNotInitialised(str(directory))
    current_kid = current_file.read_text().strip()
    keys: dict[str, SigningKey] = {}
    for cert_file in sorted((directory / "signing").glob("*.cert.pem")):
        kid = cert_file.name.removesuffix(".cert.pem")
        private = None
        key_file = cert_file.with_name(f"{kid}.key.pem")
        # Without its key file the current key is on a PKCS#11 token (``KeyRing.with_signer``).
        if kid == current_kid and key_file.exists():
            loaded = serialization.load_pem_private_key(key_file.read_bytes(), None)
            assert isinstance(loaded, ec.EllipticCurvePrivateKey)
            private = loaded
        keys[kid] = SigningKey(kid, cert_file.read_bytes(), private)
    if current_kid not in keys:
        raise KeysNotInitialised(f"current key {current_kid} is missing")
    return KeyRing(directory, ca_file.read_bytes(), keys[current_kid], keys)
