"""What Linux's ``/proc`` says of the processes a bench measures: each one's parent, process
group, name, command line, start, and CPU time so far (its own, and its ended children's).  One
reader for every bench and drill, so they all parse ``/proc/<pid>/stat`` the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessStat:
    """The fields of ``/proc/<pid>/stat`` the benches use."""

    pid: int
    ppid: int
    pgid: int
    name: str
    """``comm``: the executable's name (at most 15 characters)."""
    cpu_seconds: float
    """User and system CPU so far."""
    children_cpu_seconds: float = 0.0
    """User and system CPU of its children that have ended and been waited for."""
    start_ticks: int = 0
    """When it started, in clock ticks after boot: a pid and this name one process, even when
    the pid is used again."""


def pids() -> Iterator[int]:
    """The id of every process now running."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def process_stat(pid: int) -> ProcessStat | None:
    """``pid``'s stat; None once it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The name may hold spaces and parentheses: the other fields follow its last ")".
    name = raw[raw.find("(") + 1 : raw.rfind(")")]
    rest = raw[raw.rfind(")") + 2 :].split()
    hz = os.sysconf("SC_CLK_TCK")
    ticks, children = int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14])
    return ProcessStat(
        pid, int(rest[1]), int(rest[2]), name, ticks / hz, children / hz, int(rest[19])
    )


def processes() -> Iterator[ProcessStat]:
    """The stat of every process (one that ends during the walk is left out)."""
    for pid in pids():
        found = process_stat(pid)
        if found is not None:
            yield found


def process_title(pid: int) -> str | None:
    """``pid``'s command line, its arguments joined by spaces (a PostgreSQL server process's
    title: ``postgres: user database host(port) state``); None once it has gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace")
