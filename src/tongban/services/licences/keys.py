"""The e-licence keys (电子证照签名密钥): create, rotate, and load them once per process.

``tongban keys init`` creates them explicitly; a key ring asked for in a data directory that
has none creates them on first use too, so a fresh demo or test needs no extra step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tongban.adapters import keys as store
from tongban.adapters.keys import UNNAMED_CA, CaSubject, KeyRing, KeysNotInitialised
from tongban.domain.shared.jurisdiction import Jurisdiction

__all__ = [
    "CaSubject",
    "KeyRing",
    "KeysNotInitialised",
    "ca_subject",
    "initialise",
    "key_directory",
    "key_ring",
    "rotate",
]


def ca_subject(where: Jurisdiction | None) -> CaSubject:
    """The CA's subject for the jurisdiction (its licence authority), or the unnamed one."""
    if where is None:
        return UNNAMED_CA
    return CaSubject(
        organisation=where.ca_organisation,
        common_name=where.ca_common_name,
        province=where.province,
        locality=where.city,
    )


def key_directory(data_dir: Path) -> Path:
    return data_dir / "keys"


def initialise(
    data_dir: Path, subject: CaSubject = UNNAMED_CA, *, directory: Path | None = None
) -> tuple[KeyRing, bool]:
    """Create the CA (named ``subject``) and a signing key if missing (idempotent); returns the
    ring and whether anything was created.  ``directory`` (``TONGBAN_KEYS_DIR``) overrides
    ``{data_dir}/keys``."""
    directory = directory or key_directory(data_dir)
    made = store.initialise(directory, subject=subject)
    return store.load(directory), made


def rotate(data_dir: Path, *, directory: Path | None = None) -> KeyRing:
    """Add a signing key and make it current; licences signed by older keys still verify.

    Running app processes keep the ring they loaded: restart them after a rotation.
    """
    directory = directory or key_directory(data_dir)
    store.rotate(directory)
    return store.load(directory)


def key_ring(
    data_dir: Path,
    *,
    create: bool = True,
    directory: Path | None = None,
    subject: CaSubject | Callable[[], CaSubject] = UNNAMED_CA,
) -> KeyRing:
    """The keys of ``data_dir`` (or of ``directory``), created on first use (the CA named
    ``subject``, or what it returns when called then) unless ``create`` is false."""
    directory = directory or key_directory(data_dir)
    try:
        return store.load(directory)
    except KeysNotInitialised:
        if not create:
            raise
    store.initialise(directory, subject=subject if isinstance(subject, CaSubject) else subject())
    return store.load(directory)
