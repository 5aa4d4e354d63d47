"""The open-loop generator: a fixed arrival rate over a mix of every role's requests.

Request ``i`` is due at ``t0 + i / rate`` and is sent then, whatever happened to the earlier
ones (no closed loop: a slow server does not slow the arrivals down); its latency runs from the
time it was due, so queueing in the generator or the server counts.  The kinds, by weight:

- ``submit``: a citizen submits a case (``POST /api/v1/cases``, a fresh ``Idempotency-Key``);
  on a transport error, a 5xx or ``409 idempotency_in_progress`` the client retries with the
  same key and body (as a client should), at most ``SUBMIT_TRIES`` times;
- ``accept``: the clerk accepts the oldest acknowledged submit not yet accepted (its version);
- ``list_api``: ``GET /api/v1/cases``, the citizen's cases or the clerk's queue;
- ``list_page``: the citizen's ``/my/cases`` page;
- ``guide``: the public item guide ``/items/{code}`` or the catalogue ``/items`` (no session);
- ``read``: a citizen reads one of their acknowledged cases (``GET /api/v1/cases/{number}``).

The kinds interleave in those proportions (a smooth weighted round robin).  Every request is
one :class:`Outcome` (due, end, kind, status or error name); acknowledged submits are kept
(key, number, tag) for the lost-writes check; ``seed`` picks which case a read asks for.  The
generator records its own CPU time.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

MIX: dict[str, int] = {
    "submit": 25,
    "accept": 15,
    "list_api": 15,
    "list_page": 10,
    "guide": 20,
    "read": 15,
}
SUBMIT_TRIES = 4
TIMEOUT = 10.0
RETRYABLE = {409, 500, 502, 503, 504}


@dataclass(frozen=True)
class Outcome:
    due: float  # seconds after t0
    end: float
    kind: str
    status: str  # "201", "503", "ConnectError", ...
    ok: bool

    @property
    def latency(self) -> float:
        return self.end - self.due


@dataclass(frozen=True)
class Ack:
    key: str
    number: str
    tag: str
    citizen: int
    at: float


@dataclass
class Sessions:
    """(session token, CSRF token) per citizen; the clerk's sessions; cookie name, headers."""

    citizens: list[tuple[str, str]]
    clerks: list[tuple[str, str]]
    cookie: str
    csrf_header: str
    item_code: str
    form: dict[str, str]
    pickup_centre: str


@dataclass
class Run:
    rate: float
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    tags_sent: list[str] = field(default_factory=list)
    accepted: int = 0
    attempt_errors: Counter[str] = field(default_factory=Counter)  # every failed try, by kind
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    server_cpu: dict[str, float] = field(default_factory=dict)  # seconds, set by the drill
    events: dict[str, float] = field(default_factory=dict)  # fault name → seconds after t0
    late_starts: int = 0  # requests sent more than 100 ms after they were due

    @property
    def scheduled(self) -> int:
        return len(self.outcomes)


Fault = tuple[float, str, Callable[[], None]]
"""(seconds after t0, name, blocking action): run in a thread while the load goes on."""


class Generator:
    def __init__(self, base_url: str, sessions: Sessions, seed: int = 1) -> None:
        self.base_url = base_url
        self.s = sessions
        self.random = random.Random(seed)
        self.current = dict.fromkeys(MIX, 0)
        self.to_accept: deque[tuple[str, int]] = deque()  # (number, version) acknowledged
        self.readable: list[tuple[int, str]] = []  # (citizen, number)

    def _next_kind(self) -> str:
        """Smooth weighted round robin: the mix's proportions in every stretch of requests,
        each kind within the first few (no kind missing from a short run by chance)."""
        for kind, weight in MIX.items():
            self.current[kind] += weight
        chosen = max(self.current, key=lambda k: self.current[k])
        self.current[chosen] -= sum(MIX.values())
        return chosen

    def _headers(self, session: tuple[str, str], idempotent: bool = False) -> dict[str, str]:
        headers = {"Cookie": f"{self.s.cookie}={session[0]}", self.s.csrf_header: session[1]}
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return headers

    async def _submit(self, client: httpx.AsyncClient, i: int, run: Run, t0: float) -> str:
        c = i % len(self.s.citizens)
        tag = f"drill-{i}"
        run.tags_sent.append(tag)
        headers = self._headers(self.s.citizens[c], idempotent=True)
        body = {
            "item_code": self.s.item_code,
            "form": {**self.s.form, "shop_name": tag},
            "materials": [],
            "delivery": {"method": "pickup", "pickup_centre_code": self.s.pickup_centre},
        }
        status = ""
        for attempt in range(SUBMIT_TRIES):
            if attempt:
                await asyncio.sleep(0.5 * attempt)
            try:
                answer = await client.post("/api/v1/cases", json=body, headers=headers)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
                run.attempt_errors[f"submit {status}"] += 1
                continue
            status = str(answer.status_code)
            if answer.status_code == 201:
                data = answer.json()
                run.acks.append(
                    Ack(headers["Idempotency-Key"], data["number"], tag, c,
                        time.perf_counter() - t0)
                )  # fmt: skip
                self.to_accept.append((data["number"], int(data["version"])))
                self.readable.append((c, data["number"]))
                return status
            run.attempt_errors[f"submit {status}"] += 1
            if answer.status_code not in RETRYABLE:
                break
        return status

    async def _accept(self, client: httpx.AsyncClient, i: int, run: Run) -> str:
        session = self.s.clerks[i % len(self.s.clerks)]
        if not self.to_accept:
            answer = await client.get("/api/v1/cases", headers=self._headers(session))
            return str(answer.status_code)
        number, version = self.to_accept.popleft()
        answer = await client.post(
            f"/api/v1/cases/{number}/accept",
            json={"version": version},
            headers=self._headers(session, idempotent=True),
        )
        if answer.status_code == 200:
            run.accepted += 1
        return str(answer.status_code)

    async def _one(self, client: httpx.AsyncClient, kind: str, i: int, run: Run, t0: float) -> str:
        citizens = self.s.citizens
        if kind == "submit":
            return await self._submit(client, i, run, t0)
        if kind == "accept":
            return await self._accept(client, i, run)
        if kind == "list_api":
            who = citizens[i % len(citizens)] if i % 2 else self.s.clerks[i % len(self.s.clerks)]
            answer = await client.get("/api/v1/cases", headers=self._headers(who))
        elif kind == "list_page":
            who = citizens[i % len(citizens)]
            answer = await client.get("/my/cases", headers=self._headers(who))
        elif kind == "guide":
            path = f"/items/{self.s.item_code}" if i % 3 else "/items"
            answer = await client.get(path)
        else:  # read
            if not self.readable:
                answer = await client.get(f"/items/{self.s.item_code}")
            else:
                c, number = self.readable[self.random.randrange(len(self.readable))]
                answer = await client.get(
                    f"/api/v1/cases/{number}", headers=self._headers(citizens[c])
                )
        return str(answer.status_code)

    async def _fire(
        self, client: httpx.AsyncClient, kind: str, i: int, due: float, run: Run, t0: float
    ) -> None:
        try:
            status = await self._one(client, kind, i, run, t0)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        except Exception as exc:  # a malformed answer: counted, never fatal to the run
            status = type(exc).__name__
        ok = status.isdigit() and 200 <= int(status) < 400
        if not ok and kind != "submit":
            run.attempt_errors[f"{kind} {status}"] += 1
        run.outcomes.append(Outcome(due, time.perf_counter() - t0, kind, status, ok))

    async def run(self, rate: float, duration: float, faults: list[Fault]) -> Run:
        result = Run(rate=rate, duration=duration)
        total = int(rate * duration)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=TIMEOUT, limits=limits, follow_redirects=False
        ) as client:
            cpu0 = time.process_time()
            t0 = time.perf_counter()

            async def fault(at: float, name: str, action: Callable[[], None]) -> None:
                await asyncio.sleep(max(0.0, at - (time.perf_counter() - t0)))
                result.events[name] = time.perf_counter() - t0
                await loop.run_in_executor(None, action)
                result.events[name + " done"] = time.perf_counter() - t0

            side = [asyncio.create_task(fault(*f)) for f in faults]
            tasks: set[asyncio.Task[None]] = set()
            for i in range(total):
                due = i / rate
                delay = due - (time.perf_counter() - t0)
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -0.1:
                    result.late_starts += 1
                kind = self._next_kind()
                task = asyncio.create_task(self._fire(client, kind, i, due, result, t0))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait(tasks, timeout=TIMEOUT * SUBMIT_TRIES + 5)
            for task in side:
                await task
            result.wall_seconds = time.perf_counter() - t0
            result.cpu_seconds = time.process_time() - cpu0
        return result


def figures(latencies: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max in milliseconds (nearest rank)."""
    if not latencies:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(latencies)
    n = len(ordered)

    def rank(p: float) -> float:
        return ordered[max(0, min(n - 1, int(-(-p * n // 100)) - 1))] * 1000

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": ordered[-1] * 1000}
