"""A licence's signed PDF is rendered and signed once per rendition, served from the store with
an ETag (304 to a client that has it), and rendered anew only on a key rotation or revocation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.clock import SYSTEM
from tests.factories import make_citizen, sign_in
from tests.integration.test_licences import issue_id_card
from tongban.adapters import keys as key_files
from tongban.adapters.db.tables_licences import licence_renditions
from tongban.bootstrap import Container
from tongban.services.licences import library, renditions


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The licence ids rendered and signed, in order."""
    done: list[str] = []
    real = renditions.render_pdf

    def counted(licence: Any, *args: Any, **kwargs: Any) -> bytes:
        done.append(licence.id)
        return real(licence, *args, **kwargs)

    monkeypatch.setattr(renditions, "render_pdf", counted)
    return done


def _stored(container: Container) -> int:
    with container.read() as uow:
        return len(uow.conn.execute(licence_renditions.select()).all())


def test_a_repeat_download_is_the_stored_pdf_and_a_client_with_it_gets_304(
    container: Container, client: Any, renders: list[str]
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    sign_in(container, client, owner)
    url = f"/api/v1/licences/{licence.id}/pdf"
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and renders == [licence.id]
    etag = first.headers["etag"]
    assert again.headers["etag"] == etag and _stored(container) == 1
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b"" and renders == [licence.id]
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_a_revocation_or_a_key_rotation_renders_the_pdf_anew(
    container: Container, client: Any, renders: list[str]
) -> None:
    owner = make_citizen(container)
    licence = issue_id_card(container, owner)
    sign_in(container, client, owner)
    url = f"/api/v1/licences/{licence.id}/pdf"
    before = client.get(url)
    key_files.rotate(container.settings.resolved_keys_dir())
    del container.__dict__["keys"]  # the process reloads its keys, as a restart would
    rotated = client.get(url)
    assert rotated.headers["etag"] != before.headers["etag"] and len(renders) == 2
    with container.uow() as uow:
        library.revoke(uow, SYSTEM, licence.id, "错误签发")
    revoked = client.get(url, headers={"If-None-Match": rotated.headers["etag"]})
    assert revoked.status_code == 200 and revoked.headers["etag"] != rotated.headers["etag"]
    assert len(renders) == 3 and _stored(container) == 3
