"""The load generator: support.http's connections in threads, one cookie jar per learner.

Each client thread keeps its own keep-alive connection to the server and sends the
requests of many learners over it, each with that learner's cookies (as a reverse
proxy would). Every request is timed; the tallies hold the latencies and statuses.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from support.http import Connections, CookieJar, Response


class Learner(CookieJar):
    """A browser: a cookie jar and a name, and the learner's attempt while the benchmark runs."""

    def __init__(self, username: str, password: str = ""):
        super().__init__()
        self.username = username
        self.password = password
        self.attempt_id: int | None = None
        self.csrf: str | None = None
        self.form: dict | None = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # connection errors, unexpected responses
    started: float = 0.0
    finished: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def wall(self) -> float:
        return self.finished - self.started

    def add(self, latencies: list[float], statuses: dict[int, int], errors: list[str]) -> None:
        """Fold one client thread's results in (callers hold the tally's lock)."""
        self.latencies.extend(latencies)
        self.errors.extend(errors)
        for status, n in statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n

    @property
    def per_second(self) -> float:
        return self.count / self.wall if self.wall > 0 else 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000.0


def combined(tallies: list[Tally]) -> Tally:
    """Several timed windows of one kind of request as one: their requests over their summed time."""
    total = Tally(finished=sum(t.wall for t in tallies))
    for t in tallies:
        total.add(t.latencies, t.statuses, t.errors)
    return total


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def run_jobs(jobs: Iterable, worker: Callable[[Connections, object], Response], conns: Connections,
             concurrency: int, check: Callable[[object, Response], str | None] | None = None,
             warm_connections: bool = True) -> Tally:
    """Run every job once on `concurrency` threads as fast as the server answers; time each."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    tally = Tally()
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    spans: list[tuple[float, float]] = []  # each thread's first send and last answer

    def loop() -> None:
        if warm_connections:
            conns.get(fresh=True)
        ready.wait()
        mine_lat, mine_status, mine_err = [], {}, []
        first = last = None
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                break
            t0 = time.perf_counter()
            if first is None:
                first = t0
            try:
                resp = worker(conns, job)
            except Exception as exc:  # a connection error is a failed request, not a crash
                mine_err.append(f"{type(exc).__name__}: {exc}")
                conns.drop()
                continue
            last = time.perf_counter()
            mine_lat.append(last - t0)
            mine_status[resp.status] = mine_status.get(resp.status, 0) + 1
            if check is not None:
                problem = check(job, resp)
                if problem:
                    mine_err.append(problem)
        with lock:
            tally.add(mine_lat, mine_status, mine_err)
            if first is not None:
                spans.append((first, last or first))
        conns.drop()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    # the wall time of the run: from the first request sent to the last answer received
    tally.started = min((a for a, _ in spans), default=0.0)
    tally.finished = max((b for _, b in spans), default=0.0)
    return tally


def run_for(seconds: float, worker: Callable[[Connections, int], Response], conns: Connections,
            concurrency: int, expect: int | tuple[int, ...] = 200) -> Tally:
    """Closed loop: `concurrency` threads send requests back to back for `seconds`."""
    tally = Tally()
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    stop_at = [1e18]  # until the run starts
    spans: list[tuple[float, float]] = []

    def loop(index: int) -> None:
        conns.get(fresh=True)
        ready.wait()
        mine_lat, mine_status, mine_err = [], {}, []
        n = index
        first = last = None
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            if first is None:
                first = t0
            try:
                resp = worker(conns, n)
            except Exception as exc:
                mine_err.append(f"{type(exc).__name__}: {exc}")
                conns.drop()
                continue
            last = time.perf_counter()
            mine_lat.append(last - t0)
            mine_status[resp.status] = mine_status.get(resp.status, 0) + 1
            if resp.status not in (expect if isinstance(expect, tuple) else (expect,)) and len(mine_err) < 20:
                mine_err.append(f"status {resp.status}")
            n += concurrency
        with lock:
            tally.add(mine_lat, mine_status, mine_err)
            if first is not None:
                spans.append((first, last or first))
        conns.drop()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    ready.wait()
    stop_at[0] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    tally.started = min((a for a, _ in spans), default=0.0)
    tally.finished = max((b for _, b in spans), default=0.0)
    return tally
