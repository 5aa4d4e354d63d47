"""A throwaway PostgreSQL cluster for one drill: ``initdb`` into a temporary directory, its own
free port on loopback, started, restarted and stopped by the drill, removed at the end.

``throwaway_standby`` adds a streaming standby of such a cluster (``pg_basebackup -R``), for
the failover drill.  Nothing here touches any other server: a restart drill restarts this
cluster only.  The
binaries come from ``TONGBAN_PG_BINDIR``, else ``pg_config --bindir``, else the newest
``/usr/lib/postgresql/*/bin`` (Debian), else ``PATH``.  Run as root, the server runs as the
``postgres`` user (``runuser``), as PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BINDIR_ENV = "TONGBAN_PG_BINDIR"
NEEDED = ("initdb", "pg_ctl", "pg_dump", "pg_restore")


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed (or not found)."""


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl, pg_dump and pg_restore; raises if none does."""
    candidates: list[str] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(os.environ[BINDIR_ENV])
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True, timeout=10
        )
        candidates.append(out.stdout.strip())
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    candidates.extend(reversed(debian))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for candidate in candidates:
        if candidate and all((Path(candidate) / name).exists() for name in NEEDED):
            return Path(candidate)
    raise ClusterUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, pg_dump, pg_restore) not found: install "
        f"them (Debian: postgresql-15) or set {BINDIR_ENV} to their directory"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """One PostgreSQL cluster in ``root``, listening on 127.0.0.1:``port`` only, trust auth."""

    def __init__(self, root: Path, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.root = root
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0

    # ------------------------------------------------------------------ commands

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / tool), *args]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def _check(self, tool: str, *args: str, timeout: float = 120) -> str:
        done = self._run(tool, *args, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._check(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "100",
            "shared_buffers": "128MB",
            # Durable as in production: a restart must not lose a committed transaction.
            "fsync": "on",
            "synchronous_commit": "on",
            "logging_collector": "off",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# drill\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def standby_of(self, primary: Cluster, name: str) -> None:
        """Make this cluster a streaming standby of ``primary``: ``pg_basebackup -R -X stream``
        (which writes ``primary_conninfo`` and ``standby.signal``), then this cluster's own port
        and socket directory; it connects as ``name`` (its ``cluster_name``, the name
        ``synchronous_standby_names`` lists).  The primary's default ``pg_hba.conf`` (initdb's)
        trusts replication connections from 127.0.0.1."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._check(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        settings = {
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "cluster_name": f"'{name}'",
            "hot_standby": "on",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# standby\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def promote(self) -> None:
        """End recovery: the standby replays the WAL it has and becomes a primary."""
        self._check("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def start(self) -> None:
        self._check("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def restart(self, mode: str = "fast") -> None:
        self._check(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60",
            "restart",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    # ------------------------------------------------------------------ databases

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def libpq(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def psql_argv(self, tool: str) -> list[str]:
        """A client tool (pg_dump, pg_restore) connecting over TCP: runs as the caller."""
        return [str(self.bindir / tool), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]


@contextlib.contextmanager
def throwaway_standby(primary: Cluster, name: str, keep: bool = False) -> Iterator[Cluster]:
    """A started streaming standby of ``primary`` in a new temporary directory, named ``name``;
    stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="tongban-drill-standby-"))
    standby = Cluster(root, primary.bindir)
    try:
        started = time.perf_counter()
        standby.standby_of(primary, name)
        standby.start()
        print(
            f"standby {name} of 127.0.0.1:{primary.port} on 127.0.0.1:{standby.port}, "
            f"copied and started in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        yield standby
    finally:
        standby.stop("immediate")
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(keep: bool = False) -> Iterator[Cluster]:
    """A started cluster in a new temporary directory; stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="tongban-drill-pg-"))
    cluster = Cluster(root)
    try:
        cluster.init()
        started = time.perf_counter()
        cluster.start()
        print(
            f"throwaway PostgreSQL on 127.0.0.1:{cluster.port} ({cluster.bindir}), "
            f"started in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        yield cluster
    finally:
        cluster.stop("immediate")
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
