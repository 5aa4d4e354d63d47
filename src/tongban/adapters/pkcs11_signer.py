"""The licence signing key on a PKCS#11 token (an HSM, a smart card, SoftHSM).

Through python-pkcs11, the maintained binding pyHanko itself uses: the PAdES signature is made
by pyHanko's own ``PKCS11Signer`` (``pyhanko.sign.pkcs11``), the ES256 JWS signatures by the
token's plain ``CKM_ECDSA`` over a SHA-256 digest made here, whose output is already the r‖s
that JWS wants.  Plain ``CKM_ECDSA`` (for PAdES too: pyHanko's raw mode) because every token
offers it, where ``CKM_ECDSA_SHA256`` is missing from many (SoftHSM 2.6 among them).  The
private key never leaves the token; the certificate comes from the key directory, as for the
file signer.

One session per process, opened on first use and logged in with the user PIN; calls are
serialised (a PKCS#11 session is not for concurrent use), and a failed call drops the session
so the next one opens a fresh one (a token restarted, a network HSM reconnected).  A token
that cannot be reached, a wrong PIN or a missing key is ``SignerUnavailable``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from tongban.adapters.signer import asn1_certificate
from tongban.domain.errors import SignerUnavailable

log = logging.getLogger("tongban.licences")


class Pkcs11Signer:
    """``LicenceSigner`` whose key ``key_label`` is on the token labelled ``token_label``."""

    def __init__(
        self,
        *,
        module: str,
        token_label: str,
        key_label: str,
        pin: str | None,
        kid: str,
        certificate_pem: bytes,
    ) -> None:
        self.module = module
        self.token_label = token_label
        self.key_label = key_label
        self._pin = pin
        self.kid = kid
        self.certificate_pem = certificate_pem
        self._lock = threading.Lock()
        self._session: Any = None

    def _open(self) -> Any:
        if self._session is None:
            from pkcs11.exceptions import UserAlreadyLoggedIn
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign.pkcs11 import open_pkcs11_session

            criteria = TokenCriteria(label=self.token_label)
            try:
                self._session = open_pkcs11_session(
                    self.module, token_criteria=criteria, user_pin=self._pin
                )
            except UserAlreadyLoggedIn:
                # Log-in is per token and process: another signer of this process (a ring
                # loaded again) is logged in already, and a new session shares that.
                self._session = open_pkcs11_session(self.module, token_criteria=criteria)
        return self._session

    def _drop(self, error: Exception) -> SignerUnavailable:
        log.error("PKCS#11 token %r, key %r: %r", self.token_label, self.key_label, error)
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                session.close()
        return SignerUnavailable()

    @contextlib.contextmanager
    def _session_held(self) -> Iterator[Any]:
        from pkcs11.exceptions import PKCS11Error
        from pyhanko.sign.general import SigningError

        with self._lock:
            try:
                yield self._open()
            except (PKCS11Error, SigningError, OSError, RuntimeError) as error:
                raise self._drop(error) from error

    def sign_es256(self, data: bytes) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        digest = hashlib.sha256(data).digest()
        with self._session_held() as session:
            key = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, label=self.key_label
            )
            signature: bytes = key.sign(digest, mechanism=Mechanism.ECDSA)
            return signature

    @contextlib.contextmanager
    def pades(self, ca_pem: bytes) -> Iterator[Any]:
        with self._session_held() as session:
            yield _signer_class()(
                session,
                key_label=self.key_label,
                signing_cert=asn1_certificate(self.certificate_pem),
                # As the file signer: only the signer's certificate travels in the signature (no
                # chain given: pyHanko would embed the CA, which the verifier brings itself).
                embed_roots=False,
                use_raw_mechanism=True,
            )

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None


@functools.cache
def _signer_class() -> type:
    """pyHanko's PKCS#11 signer, writing the signing certificate into the CMS once.

    Given the certificate, pyHanko's ``PKCS11Signer`` also files it among the other
    certificates and so embeds it twice; the verify path accepts a CMS only as the file signer
    writes it (the signing certificate alone), so no other certificate travels here either.
    """
    from pyhanko.sign.pkcs11 import PKCS11Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class OwnCertificateOnly(PKCS11Signer):
        @property
        def cert_registry(self) -> Any:
            return SimpleCertificateStore()  # type: ignore[no-untyped-call]

    return OwnCertificateOnly
