"""A streaming replica of the test PostgreSQL server, on loopback, for as long as a test needs.

``serve(postgres_url)`` copies the server with ``pg_basebackup -R`` (which writes the
``primary_conninfo`` and the ``standby.signal``) into a temporary directory, gives the copy a
minimal configuration of its own (a free port, loopback only, its own socket directory), starts
it with ``pg_ctl`` as the ``postgres`` user, waits until it accepts connections in recovery, and
yields its URL (same user and database).  The server must accept replication connections from
127.0.0.1 (``host replication all 127.0.0.1/32 …`` in pg_hba.conf; .ci/run adds it) and run
with ``wal_level = replica`` (the default) and free WAL senders.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

BIN = Path(os.environ.get("TONGBAN_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (BIN / "pg_basebackup").exists() and (BIN / "pg_ctl").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def serve(postgres_url: str) -> Iterator[str]:
    """Run a hot standby of ``postgres_url``'s server; yields the URL of the same database."""
    url = make_url(postgres_url)
    workdir = Path(tempfile.mkdtemp(prefix="tongban-replica-"))
    data = workdir / "data"
    port = _free_port()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
    host, primary_port = url.host or "127.0.0.1", str(url.port or 5432)
    user = url.username or "postgres"
    subprocess.run(
        _as_postgres(
            [
                str(BIN / "pg_basebackup"),
                *("-h", host, "-p", primary_port, "-U", user),
                *("-D", str(data), "-R", "-X", "stream", "--checkpoint=fast"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    # Debian keeps the configuration outside the data directory: the copy gets its own.
    conf = (
        f"port = {port}\n"
        "listen_addresses = '127.0.0.1'\n"
        f"unix_socket_directories = '{workdir}'\n"
        "hot_standby = on\n"
        f"{_hot_standby_minimums(postgres_url)}"
        "shared_buffers = 32MB\n"
        "fsync = off\n"
        "logging_collector = off\n"
    )
    _write_as_postgres(data / "postgresql.conf", conf)
    _write_as_postgres(data / "pg_ident.conf", "")
    _write_as_postgres(
        data / "pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    )
    log = workdir / "replica.log"
    start = [str(BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120", "start"]
    try:
        started = subprocess.run(_as_postgres(start), capture_output=True, text=True)
        if started.returncode != 0:
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"the replica did not start: {started.stderr}\n{detail}")
        replica_url = url.set(host="127.0.0.1", port=port)
        _wait_in_recovery(replica_url.render_as_string(hide_password=False))
        yield replica_url.render_as_string(hide_password=False)
    finally:
        stop = [str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


HOT_STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
"""A hot standby refuses to start with any of these below its primary's."""


def _hot_standby_minimums(postgres_url: str) -> str:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        lines = []
        for name in HOT_STANDBY_MINIMUMS:
            row = conn.execute(f"SHOW {name}").fetchone()
            assert row is not None
            lines.append(f"{name} = {row[0]}\n")
    return "".join(lines)


def _write_as_postgres(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


def _wait_in_recovery(sqlalchemy_url: str) -> None:
    dsn = make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)
    for _ in range(600):
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and row[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the replica did not come up in recovery")
