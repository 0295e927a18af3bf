"""Who used the CPU during a measurement: this benchmark (client + servers) or something else.

`cpu_client_cores` is the part of `cpu_bench_cores` taken by the load generator itself.

Reads /proc (Linux). `ours` is the benchmark process and every process in the given
process groups (the gunicorn masters started with start_new_session, and their workers);
PostgreSQL's backends are counted as `other`, as is anything else running on the machine.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

TICK = os.sysconf("SC_CLK_TCK")


def _machine() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]), sum(fields[:8]) - idle


def _ours(groups: set[int]) -> tuple[int, int]:
    """CPU ticks used so far by this process (the load generator) and by the servers' process groups."""
    client = servers = 0
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        rest = raw.rsplit(")", 1)[1].split()
        pgrp = int(rest[2])
        ticks = int(rest[11]) + int(rest[12])  # utime + stime
        if int(name) == me:
            client += ticks
        elif pgrp in groups:
            servers += ticks
    return client, servers


@dataclass
class Sample:
    wall: float
    total: int
    busy: int
    client: int
    servers: int


def sample(groups: set[int]) -> Sample:
    total, busy = _machine()
    return Sample(time.perf_counter(), total, busy, *_ours(groups))


def usage(before: Sample, after: Sample) -> dict:
    """CPU use between two samples, in cores (2.0 = both cores of a 2-core machine busy)."""
    seconds = max(after.wall - before.wall, 1e-6)
    cores = os.cpu_count() or 1
    span = max(after.total - before.total, 1)
    busy = (after.busy - before.busy) / span * cores
    client = (after.client - before.client) / TICK / seconds
    ours = client + (after.servers - before.servers) / TICK / seconds
    return {"cpu_busy_cores": round(busy, 2), "cpu_bench_cores": round(min(ours, busy), 2),
            "cpu_client_cores": round(min(client, busy), 2), "cpu_other_cores": round(max(busy - ours, 0.0), 2)}


def wait_for_quiet(groups: set[int], max_seconds: float, threshold: float = 0.25) -> dict:
    """Wait (up to max_seconds) for one second in which other processes use under `threshold` cores."""
    start = time.perf_counter()
    last = {}
    while True:
        a = sample(groups)
        time.sleep(1.0)
        last = usage(a, sample(groups))
        if last["cpu_other_cores"] < threshold or time.perf_counter() - start >= max_seconds:
            return {"waited_s": round(time.perf_counter() - start, 1), "other_cores_before": last["cpu_other_cores"],
                    "load_avg_1m": round(os.getloadavg()[0], 2)}


def mean(usages: list[dict]) -> dict:
    """The average of several phases' usage (the windows of one interleaved measurement)."""
    keys = set.intersection(*(set(u) for u in usages))
    return {k: round(sum(u[k] for u in usages) / len(usages), 2) for k in sorted(keys)}
