"""A PgBouncer in transaction mode on loopback, in front of the test PostgreSQL server.

``serve(postgres_url)`` writes a temporary ini and userlist, starts Debian's ``pgbouncer`` on a
free port (as the ``postgres`` user when the tests run as root: PgBouncer refuses root), waits
until it answers, yields its URL (the same user and database as ``postgres_url``) and stops it.
Every database name is passed through (``* =``), so each test process's own database works;
``side_of(url)`` names the same database through a second alias with a small pool of its own,
for tongban's connections of their own (``TONGBAN_DATABASE_SIDE_URL``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
MODE = "transaction"


def available() -> bool:
    return Path(BINARY).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SIDE_SUFFIX = "_side"


def side_of(url: str) -> str:
    """The URL of the same database through its side alias (a pool of its own)."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{SIDE_SUFFIX}").render_as_string(False)


def _ini(
    port: int, host: str, server_port: int, workdir: Path, pool_size: int, database: str
) -> str:
    side = f"{database}{SIDE_SUFFIX} = host={host} port={server_port} dbname={database}"
    return f"""[databases]
{side} pool_size=4
* = host={host} port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "userlist.txt"}
pool_mode = {MODE}
default_pool_size = {pool_size}
max_client_conn = 400
max_db_connections = 0
server_reset_query =
server_idle_timeout = 10
ignore_startup_parameters = extra_float_digits,options
logfile = {workdir / "pgbouncer.log"}
pidfile = {workdir / "pgbouncer.pid"}
"""


def serve(postgres_url: str, *, pool_size: int = 10) -> Iterator[str]:
    """Run a PgBouncer in front of ``postgres_url``'s server; yields the URL through it."""
    url = make_url(postgres_url)
    workdir = Path(tempfile.mkdtemp(prefix="tongban-pgbouncer-"))
    port = _free_port()
    user = url.username or "postgres"
    (workdir / "userlist.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        _ini(
            port, url.host or "127.0.0.1", url.port or 5432, workdir, pool_size, url.database or ""
        ),
        encoding="utf-8",
    )
    command = [BINARY, str(ini)]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        owner = pwd.getpwnam("postgres")
        os.chmod(workdir, 0o755)
        for path in [workdir, *workdir.iterdir()]:
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    # PgBouncer in the foreground logs every line to stderr as well as to its logfile.  Into a
    # pipe nobody reads, the pipe fills after some hundreds of connections (64 KiB) and
    # PgBouncer's one event loop blocks in write(2): every client then waits for psycopg's
    # connection timeout.  A file never fills.
    output = (workdir / "pgbouncer.out").open("wb")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    output.close()  # the child has its own descriptor
    try:
        _wait_for(port, process, workdir)
        yield url.set(port=port, host="127.0.0.1").render_as_string(hide_password=False)
    finally:
        _stop(process, workdir / "pgbouncer.pid")
        shutil.rmtree(workdir, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes], pidfile: Path) -> None:
    """SIGINT (PgBouncer's "shut down now") to PgBouncer itself: ``runuser`` passes no signal
    on, and a PgBouncer left behind would keep its server connections."""
    try:
        os.kill(int(pidfile.read_text().strip()), signal.SIGINT)
    except (OSError, ValueError):
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(port: int, process: subprocess.Popen[bytes], workdir: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            output = (workdir / "pgbouncer.out").read_text(errors="replace")
            log = workdir / "pgbouncer.log"
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pgbouncer exited: {output}\n{detail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("pgbouncer did not start listening")
