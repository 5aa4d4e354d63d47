"""Licences signed by a key on a PKCS#11 token (SoftHSM2), verified as the verify path does.

A SoftHSM2 token in a temporary directory (``SOFTHSM2_CONF`` pointing at a temporary config)
receives the current signing key; the key file and the CA key are then removed from the key
directory, as on an app server, and a licence issued through the platform's own services is
checked against the published keys and the CA certificate alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.clock import SYSTEM, TEST_START
from tests.conftest import IN_CI
from tests.factories import make_citizen
from tests.integration.test_licences import ID_CARD, issue_id_card
from tongban.adapters import keys as key_store
from tongban.adapters.db.tables_licences import licences as licences_table
from tongban.adapters.pkcs11_signer import Pkcs11Signer
from tongban.bootstrap import Container
from tongban.config import Settings
from tongban.domain.errors import SignerUnavailable
from tongban.domain.shared.clock import PinnedClock
from tongban.services.licences import library as svc
from tongban.services.licences import revocations
from tongban.services.licences.verify import verify_credential, verify_pdf

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "tongban-test"
PIN = "246810"
SO_PIN = "13579111"


@dataclass(frozen=True)
class Token:
    keys_dir: Path
    pin_file: Path
    kid: str


def softhsm(conf: Path, *args: str) -> None:
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(["softhsm2-util", *args], env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    """One token per test process: the PKCS#11 library reads its configuration once.

    Without Debian's ``softhsm2`` the tests are skipped with the reason, except under CI
    (``CI=true``), where they fail: ``.ci/run`` installs it.
    """
    if shutil.which("softhsm2-util") is None or not Path(MODULE).exists():
        reason = "SoftHSM2 is not installed: apt-get install softhsm2"
        if IN_CI:
            pytest.fail(f"CI must run the PKCS#11 tests: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    softhsm(conf, "--init-token", "--free", "--label", TOKEN, "--so-pin", SO_PIN, "--pin", PIN)

    keys_dir = root / "keys"
    key_store.initialise(keys_dir, now=TEST_START)
    kid = (keys_dir / "current").read_text().strip()
    key_file = keys_dir / "signing" / f"{kid}.key.pem"
    softhsm(conf, "--import", str(key_file), "--token", TOKEN, "--label", kid, "--id", "01",
            "--pin", PIN)  # fmt: skip
    # What an app server keeps: certificates and the current kid, no private key at all.
    key_file.unlink()
    (keys_dir / "ca.key.pem").unlink()
    pin_file = root / "pin"
    pin_file.write_text(f"{PIN}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        yield Token(keys_dir, pin_file, kid)


@pytest.fixture
def on_token(
    token: Token, settings: Settings, engine: Engine
) -> Iterator[Callable[..., Container]]:
    """Builds containers that sign on the token; their sessions are closed afterwards (the
    token's log-in lasts while any session of the process is open)."""
    built: list[Container] = []

    def build(**extra: object) -> Container:
        signing = {
            "keys_dir": token.keys_dir,
            "signer": "pkcs11",
            "pkcs11_module": MODULE,
            "pkcs11_token_label": TOKEN,
            "pkcs11_pin_file": token.pin_file,
            **extra,
        }
        container = Container(
            settings=settings.model_copy(update=signing),
            engine=engine,
            secret_key="test-secret",
            clock=PinnedClock(TEST_START),
        )
        built.append(container)
        return container

    yield build
    for container in built:
        signer = container.__dict__["keys"].token_signer if "keys" in container.__dict__ else None
        if isinstance(signer, Pkcs11Signer):
            signer.close()


def test_a_licence_signed_on_the_token_verifies_with_the_published_keys(
    token: Token, on_token: Callable[..., Container]
) -> None:
    container = on_token()
    ring = container.keys
    assert ring.current.kid == token.kid and ring.current.private_key is None
    assert not list(token.keys_dir.rglob("*.key.pem"))  # no private key on this server

    licence = issue_id_card(container, make_citizen(container))
    today = container.clock.today()
    published = ring.jwks()
    credential = verify_credential(licence.credential, published, None, today=today)
    assert credential.ok and credential.licence_id == licence.id
    assert credential.claims["holder_name"] == "陈志明"

    pdf = svc.render_pdf(licence, ring)
    checked = verify_pdf(pdf, ring.ca_certificate_pem, None, today=today)
    assert checked.ok and checked.code == "valid" and checked.licence_id == licence.id

    with container.read() as uow:
        signed = revocations.signed_list(uow.conn, ring, container.clock.now())
    assert revocations.check_list(signed, published, container.clock.now()).revoked == frozenset()


def test_a_changed_credential_signed_on_the_token_fails(
    token: Token, on_token: Callable[..., Container]
) -> None:
    container = on_token()
    licence = issue_id_card(container, make_citizen(container))
    jwt, _, rest = licence.credential.partition("~")
    header, payload, signature = jwt.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    changed = f"{header}.{payload}.{flipped}~{rest}"
    today = container.clock.today()
    assert not verify_credential(changed, container.keys.jwks(), None, today=today).ok


def test_a_wrong_pin_or_a_missing_key_signs_nothing_and_stores_nothing(
    token: Token, on_token: Callable[..., Container]
) -> None:
    wrong_pin = token.pin_file.with_name("wrong-pin")
    wrong_pin.write_text("000000")
    for extra in ({"pkcs11_pin_file": wrong_pin}, {"pkcs11_key_label": "no-such-key"}):
        container = on_token(**extra)
        citizen = make_citizen(container)
        with container.uow() as uow, pytest.raises(SignerUnavailable) as refused:
            svc.issue(
                uow, SYSTEM, container.keys, type_code="id_card", holder_id=citizen.login,
                holder_name="陈志明", fields=ID_CARD,
            )  # fmt: skip
        assert refused.value.code == "signer_unavailable" and refused.value.status == 503
        with container.read() as uow:
            stored = uow.conn.execute(select(func.count()).select_from(licences_table))
            assert stored.scalar_one() == 0
