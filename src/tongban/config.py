"""One settings class for the whole platform, read from TONGBAN_* environment variables.

Built at start-up by ``bootstrap`` (or the CLI), never at import time, so tests and several
app processes can each build their own.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings; the defaults run the embedded SQLite demo on this machine."""

    model_config = SettingsConfigDict(env_prefix="TONGBAN_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at ``{data_dir}/tongban.db``.

    PostgreSQL: ``postgresql+psycopg://user@host:5432/dbname``.
    """
    secret_key: SecretStr | None = None
    """Key for signed tokens (the short-lived citizen codes); when unset, one is generated once
    into ``{data_dir}``.  Sessions do not depend on it: they are random tokens stored hashed."""
    cookie_secure: bool = False
    """Send the session cookie only over HTTPS; set true behind TLS in production."""
    session_hours: int = Field(default=8, ge=1, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1)
    """Failed log-ins in a row after which an account is locked for ``lockout_minutes``."""
    lockout_minutes: int = Field(default=15, ge=1)
    password_max_age_days: int = Field(default=90, ge=0)
    """A staff password older than this must be changed at sign-in (0: never)."""
    password_history: int = Field(default=5, ge=0, le=24)
    """How many of an account's recent passwords may not be chosen again."""
    totp_required_roles: list[str] = Field(default_factory=list)
    """Staff roles whose holders must enrol a TOTP second factor before they use anything but
    their account page, e.g. ``["user_admin", "catalogue_admin"]`` (default: nobody)."""
    calendar_warn_days: int = Field(default=60, ge=1)
    """Warn on every staff page, in /healthz and by ``calendar status`` (exit 1) when the official
    calendar (example years aside) is known less far ahead."""
    sms_adapter: str = "log"
    """Which SmsSender to use: ``log`` writes each message to the log (the demo's only one)."""
    db_pool_size: int = Field(default=16, ge=1)
    database_pooler: Literal["", "transaction", "session"] = ""
    """``transaction`` when the app reaches PostgreSQL through PgBouncer in transaction mode:
    psycopg then prepares no statements (a prepared statement lives in one server connection,
    and the pooler hands the next transaction another one)."""
    database_side_url: str = ""
    """Where tongban's connections of their own (case-number reservations, session reads) go;
    empty: ``database_url``.  Behind PgBouncer in transaction mode, a second database alias of
    the same database (its own pool), so that transactions waiting for a case number never
    wait for a server connection their own pool can no longer give."""
    replica_urls: list[str] = Field(default_factory=list)
    """Streaming replicas of the primary (a JSON list of SQLAlchemy URLs): read-only units of
    work go to them in turn, unless the reader has just written (see ``replica_pin_seconds``)."""
    replica_pin_seconds: int = Field(default=10, ge=0, le=3600)
    """After a request that writes, that browser reads the primary for this long, so it finds
    its own change even while the replicas lag (read-your-own-writes)."""
    sweep_batch_size: int = Field(default=200, ge=1, le=10_000)
    """Rows a worker sweep handles per transaction (a keyset page, locked ``SKIP LOCKED``)."""
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    """``json``: one JSON object a line with the request id, user id and route (for a log
    collector); ``text``: plain lines for a terminal."""
    worker_stale_seconds: int = Field(default=120, ge=10)
    """/readyz fails when no worker has beaten its heartbeat for this long."""
    outbox_max_age_seconds: int = Field(default=900, ge=30)
    """/readyz warns when the oldest message due in the outbox is older than half this, and
    fails past it."""
    metrics_token: SecretStr | None = None
    """When set, /metrics answers only ``Authorization: Bearer <token>``; when unset it answers
    anyone who reaches it (keep it off the public side of the proxy)."""
    case_yellow_days: int = Field(default=1, ge=0)
    """Yellow alert when at most this many working days remain before a case's deadline."""
    case_missing_reminder_days: int = Field(default=2, ge=0)
    """Remind the applicant this many working days before a 容缺 commitment's supply-by date."""
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    """The largest material file accepted (10 MB); an upload is refused as soon as it passes it."""
    upload_allowed_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")
    """Material file types accepted, as recognised from the content (PDF, JPEG, PNG)."""
    file_store: str = ""
    """Where uploaded files (materials' scans, consent signatures) are kept: empty for
    ``{data_dir}/files`` on the local disk, a directory for another local place (a shared mount),
    or ``s3://bucket/prefix`` for an S3-compatible object store that several app servers share
    (then the ``s3_*`` settings)."""
    s3_endpoint_url: str = ""
    """The S3-compatible service's address (``https://minio.internal:9000``); empty: AWS's."""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr | None = None
    """Credentials for the bucket; when both are empty, boto3's usual chain (``AWS_*``
    variables, the shared credentials file, an instance role) supplies them."""
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    """``path`` (``endpoint/bucket/key``) suits MinIO and most self-hosted services."""
    keys_dir: Path | None = None
    """The e-licence certificates (and, with the ``file`` signer, private keys); empty:
    ``{data_dir}/keys``."""
    signer: Literal["file", "pkcs11"] = "file"
    """Who holds the current signing key: ``file`` (``{keys_dir}/signing/<kid>.key.pem``) or
    ``pkcs11`` (a hardware token or HSM; the ``pkcs11_*`` settings), so the key need not sit on
    the app servers."""
    pkcs11_module: str = ""
    """The token's PKCS#11 library, e.g. ``/usr/lib/softhsm/libsofthsm2.so``."""
    pkcs11_token_label: str = ""
    pkcs11_key_label: str = ""
    """The label of the signing key on the token; empty: the current key's kid."""
    pkcs11_pin: SecretStr | None = None
    pkcs11_pin_file: Path | None = None
    """The token's user PIN, given directly or (better) in a file readable only by the
    service; the file wins when both are set."""
    approval_centre_departments: tuple[str, ...] = ("SCJGJ",)
    """Departments whose online applications the online approval centre (网上审批中心) reviews;
    by default the 区市场监督管理局.  JSON list in the environment, e.g. ``["SCJGJ"]``."""

    appointment_slot_minutes: int = Field(default=30, ge=10, le=120)
    """预约办: length of an appointment slot, cut from the centre's opening hours."""
    appointment_places_per_window: int = Field(default=1, ge=1, le=20)
    """Bookings a slot takes per window of its group (the rest of the time serves walk-ins)."""
    appointment_days_ahead: int = Field(default=14, ge=1, le=60)
    """How far ahead slots can be booked."""
    no_show_limit: int = Field(default=3, ge=1)
    no_show_window_days: int = Field(default=90, ge=1)
    no_show_block_days: int = Field(default=30, ge=0)
    """No-show policy: ``no_show_limit`` bookings not kept within ``no_show_window_days``
    block new bookings for ``no_show_block_days`` after the last of them (0: never block)."""
    hard_case_days: int = Field(default=5, ge=1, le=60)
    """办不成事: working days the hard-case window has to resolve an escalation (and again after
    the person says it was not solved); past them the centre's managers are alerted."""
    hard_case_feedback_reminder_days: int = Field(default=3, ge=1, le=60)
    """办不成事: working days after a resolution without the person's answer to 问题解决了吗？
    before the worker reminds them (once)."""
    hard_case_feedback_lapse_days: int = Field(default=5, ge=1, le=60)
    """办不成事: working days after that reminder without an answer before it is recorded as
    "no answer" (未回复) in the statistics."""
    consultation_days: int = Field(default=3, ge=1, le=60)
    """咨询: working days the item's department has to answer a question; past them its
    section chiefs and reviewers are alerted."""
    rating_edit_days: int = Field(default=7, ge=0, le=90)
    """好差评: days after rating in which the rater may change the rating, once."""
    rectification_days: int = Field(default=15, ge=1, le=60)
    """差评整改: working days the item's department has to respond to a poor rating; past them
    the department head is alerted."""
    rating_link_days: int = Field(default=15, ge=1, le=90)
    """好差评: days the SMS rating link of a finished case stays valid."""
    public_url: str = ""
    """The address citizens reach the platform at (``https://…``), put before links sent by
    SMS; empty: the links are sent as paths."""
    kiosk_session_days: int = Field(default=180, ge=1, le=400)
    """自助终端: how long a paired kiosk stays signed in before its centre manager must pair it
    again (its visitors' visits end after the kiosk's own idle time, whatever this says)."""

    face_match_threshold: float = Field(default=0.80, ge=0.5, le=1.0)
    """免证办: the least face-match score (0..1) at which a face check identifies a person."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks, ``10.0.0.0/24``) of the reverse proxies whose ``X-Forwarded-For``
    and ``X-Forwarded-Proto`` headers ``tongban serve`` believes, as a JSON list.  Empty (the
    default): none, not even one on this machine, so no client can choose the address the
    log-in throttles count against."""
    partitions_ahead_months: int = Field(default=3, ge=1, le=24)
    """PostgreSQL: the worker keeps the monthly partitions of the audit and data-access logs
    made this many months ahead of the current one."""
    audit_log_keep_months: int = Field(default=72, ge=6)
    """The audit log's retention: 6 years by default; never under the 6 months 《网络安全法》
    第二十一条 requires of network logs."""
    audit_log_expired: Literal["archive", "drop"] = "archive"
    """What becomes of an expired month of the audit log on PostgreSQL: ``archive`` detaches it
    into the ``archive`` schema for export, ``drop`` drops it.  SQLite deletes either way."""
    data_access_log_keep_months: int = Field(default=36, ge=36)
    """The personal-data access log's retention: at least the 3 years 《个人信息保护法》
    第五十六条 requires of records of personal-information processing."""
    data_access_log_expired: Literal["archive", "drop"] = "drop"
    data_access_events_keep_months: int | None = Field(default=None, ge=36)
    """The data space's access events (what a holder sees of each read of their data space):
    unset, kept exactly as long as the personal-data access log, whose staff reads the holder's
    log shows beside them; never shorter than it (《个人信息保护法》第五十六条)."""
    inbox_keep_days: int = Field(default=730, ge=30)
    """In-app messages older than this are deleted by the worker, in batches."""
    clock_start: datetime | None = None
    """Training, demonstration and test deployments only: the process's clock starts at this
    instant (ISO 8601 with its offset, e.g. ``2026-11-16T09:30+08:00``) and runs on from there,
    so that a demo or a test behaves the same on whatever day it runs.  Unset (the default and
    the only right value in production): the real time."""

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("TONGBAN_CLOCK_START needs a UTC offset, e.g. 2026-11-16T09:30+08:00")
        return value

    @model_validator(mode="after")
    def _events_outlast_the_access_log(self) -> Settings:
        kept = self.data_access_events_keep_months
        if kept is not None and kept < self.data_access_log_keep_months:
            raise ValueError(
                "TONGBAN_DATA_ACCESS_EVENTS_KEEP_MONTHS may not be shorter than "
                "TONGBAN_DATA_ACCESS_LOG_KEEP_MONTHS: the holder's access log shows both"
            )
        return self

    def resolved_events_keep_months(self) -> int:
        """How many full months the data space's access events are kept."""
        kept = self.data_access_events_keep_months
        return self.data_access_log_keep_months if kept is None else kept

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'tongban.db'}"

    def resolved_keys_dir(self) -> Path:
        return self.keys_dir if self.keys_dir is not None else self.data_dir / "keys"

    def resolved_pkcs11_pin(self) -> str | None:
        if self.pkcs11_pin_file is not None:
            return self.pkcs11_pin_file.read_text().strip()
        return self.pkcs11_pin.get_secret_value() if self.pkcs11_pin is not None else None

    def resolved_secret_key(self) -> str:
        """The configured key, or one kept in the data directory (created on first use)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if not path.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
