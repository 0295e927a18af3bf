"""Who used the CPU during a measurement: this benchmark (client + servers) or something else.

`cpu_client_cores` is the part of `cpu_bench_cores` taken by the load generator itself.

Read with psutil. `ours` is the benchmark process and every process in the given process
groups (the gunicorn masters started with start_new_session, and their workers);
PostgreSQL's backends are counted as `other`, as is anything else running on the machine.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Sample:
    wall: float
    total: float  # seconds of CPU time on the machine, idle included
    busy: float
    client: float  # seconds used by this process (the load generator)
    servers: float  # seconds used by the servers' process groups


def _machine() -> tuple[float, float]:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(getattr(times, name, 0.0) for name in
                ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"))
    return total, total - idle


def _ours(groups: set[int]) -> tuple[float, float]:
    """CPU seconds used so far by this process and by the servers' process groups."""
    me = os.getpid()
    client = servers = 0.0
    for process in psutil.process_iter():
        try:
            if process.pid == me:
                used = process.cpu_times()
                client += used.user + used.system
            elif os.getpgid(process.pid) in groups:
                used = process.cpu_times()
                servers += used.user + used.system
        except (psutil.Error, ProcessLookupError):
            continue
    return client, servers


def sample(groups: set[int]) -> Sample:
    total, busy = _machine()
    return Sample(time.perf_counter(), total, busy, *_ours(groups))


@dataclass(frozen=True)
class Usage:
    """CPU use between two samples, in cores (2.0 = both cores of a 2-core machine busy)."""
    busy: float
    bench: float
    client: float
    other: float

    def as_dict(self) -> dict[str, float]:
        return {"cpu_busy_cores": self.busy, "cpu_bench_cores": self.bench,
                "cpu_client_cores": self.client, "cpu_other_cores": self.other}


def usage(before: Sample, after: Sample) -> Usage:
    seconds = max(after.wall - before.wall, 1e-6)
    cores = os.cpu_count() or 1
    span = max(after.total - before.total, 1e-9)
    busy = (after.busy - before.busy) / span * cores
    client = (after.client - before.client) / seconds
    ours = client + (after.servers - before.servers) / seconds
    return Usage(round(busy, 2), round(min(ours, busy), 2), round(min(client, busy), 2), round(max(busy - ours, 0.0), 2))


@dataclass(frozen=True)
class Quiet:
    """How long a phase waited for the machine to be quiet, and how quiet it was."""
    waited_s: float
    other_cores_before: float
    load_avg_1m: float

    def as_dict(self) -> dict[str, float]:
        return {"waited_s": self.waited_s, "other_cores_before": self.other_cores_before,
                "load_avg_1m": self.load_avg_1m}


def wait_for_quiet(groups: set[int], max_seconds: float, threshold: float = 0.25) -> Quiet:
    """Wait (up to max_seconds) for one second in which other processes use under `threshold` cores."""
    start = time.perf_counter()
    while True:
        a = sample(groups)
        time.sleep(1.0)
        last = usage(a, sample(groups))
        if last.other < threshold or time.perf_counter() - start >= max_seconds:
            return Quiet(round(time.perf_counter() - start, 1), last.other, round(os.getloadavg()[0], 2))


def mean(usages: list[dict]) -> dict:
    """The average of several phases' usage (the windows of one interleaved measurement)."""
    keys = set.intersection(*(set(u) for u in usages))
    return {k: round(sum(u[k] for u in usages) / len(usages), 2) for k in sorted(keys)}
