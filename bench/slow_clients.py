"""Slow clients: p95 of GET /login without and with 40 clients trickling request bodies,
through ./serve (nginx in front of gunicorn) and, for contrast, against bare gunicorn.

    .venv/bin/python bench/slow_clients.py              about 2 minutes on 2 cores
    .venv/bin/python bench/slow_clients.py --requests 50 --slow 40

Both servers share one throwaway SQLite database in a temporary folder; a request that gets no
answer within --timeout counts as taking --timeout. Prints the figures and their ratios.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import percentile  # noqa: E402  (bench/load.py: this folder is first on sys.path)
from support.http import timed_get  # noqa: E402
from support.servers import Process, bare_gunicorn, server_env, stack  # noqa: E402
from support.slow_clients import SlowClients  # noqa: E402


@dataclass(frozen=True)
class Run:
    p95_ms: float
    unanswered: int
    requests: int


def sequential_gets(port: int, requests: int, timeout: float) -> Run:
    answers = [timed_get(port, "/login", timeout) for _ in range(requests)]
    seconds = [elapsed if status == 200 else timeout for status, elapsed in answers]
    return Run(percentile(seconds, 95) * 1000, sum(status != 200 for status, _ in answers), requests)


def measure(server: Process, args) -> tuple[Run, Run]:
    """(without slow clients, with them); with them, requests stop early once 3 went unanswered."""
    quiet = sequential_gets(server.port, args.requests, args.timeout)
    with SlowClients(server.port, count=args.slow, limit=args.requests * args.timeout + 30):
        loaded = sequential_gets(server.port, 3, args.timeout)
        if loaded.unanswered < 3:
            loaded = sequential_gets(server.port, args.requests, args.timeout)
    return quiet, loaded


def report(name: str, quiet: Run, loaded: Run, slow: int) -> None:
    print(f"{name:>14}: p95 {quiet.p95_ms:8.1f} ms without slow clients, {loaded.p95_ms:8.1f} ms with {slow} "
          f"({loaded.unanswered} of {loaded.requests} unanswered): ratio {loaded.p95_ms / quiet.p95_ms:.1f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="sequential GET /login per measurement (100)")
    parser.add_argument("--slow", type=int, default=40, help="slow clients, one body byte every 2 s each (40)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds a GET may wait for its answer (5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="groundwork-slow-") as folder:
        here = Path(folder)
        env = server_env(f"sqlite:///{here / 'bench.sqlite3'}", here)
        nginx, bare = stack(env, here / "run"), bare_gunicorn(env, here / "gunicorn.log")
        try:
            nginx.start(timeout=120)  # ./serve also builds the database: `flask db upgrade`
            bare.start()
            report("through nginx", *measure(nginx, args), args.slow)
            report("bare gunicorn", *measure(bare, args), args.slow)
        finally:
            bare.stop()
            nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
