"""Who signs e-licences: the signer port, its file backend, and the JWS forms built on it.

Everything the platform signs with the current licence key goes through a ``LicenceSigner``:
the SD-JWT VC credential and the revocation list (ES256 JWS, ``sign_es256``) and the PAdES
signature of the licence PDF (``pades``, a pyHanko signer).  ``FileSigner`` holds the key read
from ``{keys_dir}/signing/<kid>.key.pem``; ``adapters.pkcs11_signer.Pkcs11Signer`` asks a
PKCS#11 token (an HSM, a smart card, SoftHSM) so the key never sits on the app servers.  Both
give signatures the verify path checks with the same published certificate and JWKS.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


class LicenceSigner(Protocol):
    """Signs with the current licence key, wherever that key is kept."""

    @property
    def kid(self) -> str: ...

    @property
    def certificate_pem(self) -> bytes:
        """The key's CA-issued certificate (PEM)."""
        ...

    def sign_es256(self, data: bytes) -> bytes:
        """The ES256 signature of ``data``: ECDSA P-256 over SHA-256, as the 64 bytes r‖s that
        JWS uses."""
        ...

    def pades(self, ca_pem: bytes) -> contextlib.AbstractContextManager[Any]:
        """A pyHanko ``Signer`` for the PAdES signature, for the duration of the block."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _signing_input(header: Mapping[str, Any], payload: bytes) -> tuple[str, str]:
    protected = _b64(json.dumps(dict(header), separators=(",", ":")).encode())
    return protected, _b64(payload)


def compact_jws(header: Mapping[str, Any], payload: bytes, signer: LicenceSigner) -> str:
    """``header.payload.signature`` (RFC 7515 compact serialisation) signed by ``signer``."""
    protected, body = _signing_input(header, payload)
    signature = signer.sign_es256(f"{protected}.{body}".encode())
    return f"{protected}.{body}.{_b64(signature)}"


def flattened_jws(
    header: Mapping[str, Any], payload: bytes, signer: LicenceSigner
) -> dict[str, str]:
    """The flattened JSON serialisation (RFC 7515 §7.2.2) of the same signature."""
    protected, body = _signing_input(header, payload)
    signature = signer.sign_es256(f"{protected}.{body}".encode())
    return {"payload": body, "protected": protected, "signature": _b64(signature)}


@dataclass(frozen=True)
class FileSigner:
    """The current key as read from the key directory."""

    kid: str
    certificate_pem: bytes
    private_key: ec.EllipticCurvePrivateKey

    def sign_es256(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    @contextlib.contextmanager
    def pades(self, ca_pem: bytes) -> Iterator[Any]:
        key_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        yield _simple_signer(key_pem, self.certificate_pem, ca_pem)


@functools.lru_cache(maxsize=8)
def _simple_signer(key_pem: bytes, cert_pem: bytes, ca_pem: bytes) -> Any:
    """The pyHanko signer of a key and its certificates, parsed once (the key ring changes
    only on rotation, which brings new PEM bytes and so a new entry)."""
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return signers.SimpleSigner(
        signing_cert=asn1_certificate(cert_pem),
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([asn1_certificate(ca_pem)]),  # type: ignore[no-untyped-call]
        # Only the signer's own certificate travels in the signature: a verifier brings the CA
        # (an embedded copy of it would be bytes nobody checks).
        embed_roots=False,
    )


def asn1_certificate(pem: bytes) -> Any:
    """A PEM certificate as the asn1crypto object pyHanko works with."""
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509

    _type, _headers, der = asn1_pem.unarmor(pem)
    return asn1_x509.Certificate.load(der)
