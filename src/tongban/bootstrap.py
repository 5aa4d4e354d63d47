"""Wires settings, the database and the adapters together into one ``Container``.

The composition root: the CLI, the worker and the ASGI entry point (``tongban.asgi``) build
their container here.  It never imports the web layer, which takes its ``Container`` from here.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from tongban.adapters import node_keys
from tongban.adapters.calendar_source import ChineseCalendarSource
from tongban.adapters.courier import SimulatedCourier
from tongban.adapters.db.async_reader import AsyncReader, libpq_dsn
from tongban.adapters.db.engine import (
    build_engine,
    pooler_of,
    psycopg_connect_args,
    side_url_of,
)
from tongban.adapters.db.replicas import Replicas
from tongban.adapters.federation_http import HttpTransport
from tongban.adapters.file_store import LocalFileStore
from tongban.adapters.id_devices import SimulatedFaceCamera, SimulatedIdCardReader
from tongban.adapters.node_keys import NodeKeyFiles, NodeKeyRing, NodeKeysMissing
from tongban.adapters.pdf import FpdfReceipts
from tongban.adapters.sms import LogSms
from tongban.config import Settings
from tongban.domain.shared.clock import Clock, PinnedClock, SystemClock
from tongban.domain.shared.masking import MaskingFilter
from tongban.services.cases.delivery import ReceiptPrinter
from tongban.services.identity.check import FaceCamera, IdCardReader
from tongban.services.platform import reads, telemetry
from tongban.services.platform.calendar import OfficialSchedules
from tongban.services.platform.ports import Courier, FileStore, MessageTransport, SmsSender
from tongban.services.platform.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from tongban.adapters.keys import CaSubject, KeyRing
    from tongban.adapters.signer import LicenceSigner


@dataclass
class Container:
    """Everything a request or a command needs, built once per process."""

    settings: Settings
    engine: Engine
    secret_key: str
    sms: SmsSender = field(default_factory=LogSms)
    courier: Courier = field(default_factory=SimulatedCourier)
    files: FileStore | None = None
    """Uploaded files; where ``TONGBAN_FILE_STORE`` says when not given (``file_store_for``)."""
    id_card_reader: IdCardReader = field(default_factory=SimulatedIdCardReader)
    """The windows' resident ID-card reader; simulated in the demo."""
    face_camera: FaceCamera = field(default_factory=SimulatedFaceCamera)
    """The windows' face camera; simulated in the demo."""
    official_schedules: OfficialSchedules = field(default_factory=ChineseCalendarSource)
    """The official holiday schedules the calendar is seeded from."""
    receipts: ReceiptPrinter = field(default_factory=FpdfReceipts)
    """Prints the windows' acceptance receipts."""
    clock: Clock = field(default_factory=SystemClock)
    replicas: Replicas = field(default_factory=Replicas)
    """Streaming replicas for read-only units of work (``TONGBAN_REPLICA_URLS``); none: all
    reads on the primary."""
    """The one clock every reading of 'now' in this process comes from."""
    federation_transport: MessageTransport = field(default_factory=HttpTransport)
    """How 跨城通办 messages reach partner nodes (HTTP; in-process in tests)."""

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = file_store_for(self.settings)

    @functools.cached_property
    def keys(self) -> KeyRing:
        """The e-licence signing keys and CA of ``TONGBAN_KEYS_DIR`` (``{data_dir}/keys``),
        loaded once per process (created on first use when the directory is empty, the CA named
        after the configured jurisdiction's licence authority); the current key signs through
        the configured signer (``signer_for``)."""
        from tongban.services.licences.keys import ca_subject, key_ring
        from tongban.services.platform.jurisdiction import configured

        def subject() -> CaSubject:
            with self.read() as uow:
                return ca_subject(configured(uow.conn))

        settings = self.settings
        if settings.signer == "file":
            return key_ring(
                settings.data_dir, directory=settings.resolved_keys_dir(), subject=subject
            )
        # On a token the keys are made elsewhere: an empty directory is a mistake, not a demo.
        ring = key_ring(settings.data_dir, directory=settings.resolved_keys_dir(), create=False)
        return ring.with_signer(signer_for(settings, ring))

    @functools.cached_property
    def node_keys(self) -> NodeKeyRing:
        """The node's Ed25519 keys (跨城通办) under ``{keys_dir}/node``, loaded once per process;
        ``NodeKeysMissing`` before ``tongban node init``."""
        return node_keys.load(self.settings.resolved_keys_dir())

    def node_keys_if_made(self) -> NodeKeyRing | None:
        """``node_keys``, or None before ``tongban node init`` made the first key."""
        try:
            return self.node_keys
        except NodeKeysMissing:
            return None

    @property
    def node_key_store(self) -> NodeKeyFiles:
        """Where ``node init`` and ``rotate-key`` make the node's keys (the files above)."""
        return NodeKeyFiles(self.settings.resolved_keys_dir())

    def forget_node_keys(self) -> None:
        """Read the node's keys again at their next use (after this process rotated them);
        other processes keep signing with the key they loaded, still published, until they
        restart."""
        self.__dict__.pop("node_keys", None)

    @functools.cached_property
    def async_reader(self) -> AsyncReader | None:
        """On PostgreSQL, the event loop's own connection for each request's session read."""
        if self.engine.dialect.name != "postgresql":
            return None
        connect_args = psycopg_connect_args(pooler_of(self.engine))
        return AsyncReader(libpq_dsn(side_url_of(self.engine)), connect_args)

    def uow(self) -> UnitOfWork:
        """A unit of work for a use case that writes."""
        return UnitOfWork(self.engine)

    def read(self) -> UnitOfWork:
        """A read-only unit of work, for pages and queries: on a replica when there is one and
        the reader is not pinned to the primary (``adapters.db.replicas``)."""
        replica = self.replicas.pick(pinned=reads.pinned_to_primary())
        if replica is None:
            return UnitOfWork(self.engine, read_only=True)
        return UnitOfWork(replica, read_only=True, fallback=self.engine)


def file_store_for(settings: Settings) -> FileStore:
    """The file store ``TONGBAN_FILE_STORE`` names: the local disk, or an S3-compatible bucket."""
    where = settings.file_store
    if not where:
        return LocalFileStore(settings.data_dir / "files")
    if not where.startswith("s3://"):
        return LocalFileStore(Path(where))
    from tongban.adapters.s3_store import S3FileStore, S3Location, s3_client

    secret = settings.s3_secret_access_key
    client = s3_client(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else "",
        addressing_style=settings.s3_addressing_style,
    )
    return S3FileStore(client, S3Location.parse(where))


def signer_for(settings: Settings, ring: KeyRing) -> LicenceSigner:
    """The PKCS#11 signer of the ring's current key (``TONGBAN_SIGNER=pkcs11``)."""
    from tongban.adapters.pkcs11_signer import Pkcs11Signer

    if not settings.pkcs11_module or not settings.pkcs11_token_label:
        raise ValueError("TONGBAN_SIGNER=pkcs11 needs TONGBAN_PKCS11_MODULE and _TOKEN_LABEL")
    return Pkcs11Signer(
        module=settings.pkcs11_module,
        token_label=settings.pkcs11_token_label,
        key_label=settings.pkcs11_key_label or ring.current.kid,
        pin=settings.resolved_pkcs11_pin(),
        kid=ring.current.kid,
        certificate_pem=ring.current.certificate_pem,
    )


SMS_ADAPTERS: dict[str, type] = {"log": LogSms}
"""SMS adapters by the name ``TONGBAN_SMS_ADAPTER`` uses; a real gateway registers here."""


def clock_for(settings: Settings) -> Clock:
    """The real time, unless the deployment pins its clock (TONGBAN_CLOCK_START)."""
    if settings.clock_start is None:
        return SystemClock()
    return PinnedClock(settings.clock_start)


def build_container(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    adapter = SMS_ADAPTERS.get(settings.sms_adapter)
    if adapter is None:
        known = ", ".join(sorted(SMS_ADAPTERS))
        raise ValueError(f"TONGBAN_SMS_ADAPTER={settings.sms_adapter!r}: known adapters: {known}")
    engine = build_engine(
        settings.resolved_database_url(),
        pool_size=settings.db_pool_size,
        pooler=settings.database_pooler,
        side_url=settings.database_side_url,
    )
    telemetry.watch_pool(engine, settings.db_pool_size)
    replicas = Replicas(
        [
            build_engine(
                url, pool_size=settings.db_pool_size, pooler=settings.database_pooler, replica=True
            )
            for url in settings.replica_urls
        ]
    )
    return Container(
        settings=settings,
        engine=engine,
        replicas=replicas,
        secret_key=settings.resolved_secret_key(),
        sms=adapter(),
        clock=clock or clock_for(settings),
    )


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Log lines to standard error, ID and phone numbers masked wherever they appear: JSON
    objects with the request context (``fmt="json"``, the server and the worker by default) or
    plain text with the request id (a terminal)."""
    handler = logging.StreamHandler()
    formatter = telemetry.JsonFormatter() if fmt == "json" else telemetry.ContextTextFormatter()
    handler.setFormatter(formatter)
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(MaskingFilter())
