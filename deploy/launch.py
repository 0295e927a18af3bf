"""Start the production stack (./serve) or bare gunicorn on loopback, and play slow clients at them.

Shared by tests/system/test_serving.py and bench/slow_clients.py.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUNDWORK_", "TEST_DATABASE"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="serving-secret", GROUNDWORK_INSTANCE=str(instance),
               PYTHONUNBUFFERED="1")
    return env


def get(port: int, path: str, timeout: float) -> tuple[int, float]:
    """GET on a new connection: (status, seconds); status 0 when no answer came within timeout."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started
    finally:
        conn.close()


class Process:
    """A server in its own process group, answering on 127.0.0.1:port; stop() is safe to repeat."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path, port: int):
        self.name, self.command, self.env, self.log, self.port = name, command, env, log, port
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}\n{self.tail()}")
            if get(self.port, "/login", 5)[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s\n{self.tail()}")

    def stop(self) -> int | None:
        """SIGTERM, as a service manager would send it; the exit status, or None if it had to be killed."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever is left of its process group
        except ProcessLookupError:
            pass
        return self.proc.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def stack(env: dict[str, str], run_dir: Path) -> Process:
    """./serve: nginx on a free loopback port, gunicorn behind it."""
    port = free_port()
    env = dict(env, HOST="127.0.0.1", PORT=str(port), RUN_DIR=str(run_dir))
    return Process("./serve", [str(ROOT / "serve")], env, run_dir.parent / "serve.log", port)


def bare_gunicorn(env: dict[str, str], log: Path, workers: int = 4, threads: int = 2) -> Process:
    """gunicorn served directly (README's former production command by default), on a free loopback port."""
    port = free_port()
    command = [str(GUNICORN), "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "app:create_app()"]
    return Process("gunicorn", command, env, log, port)


class SlowClients:
    """`count` connections that each send a POST's headers, then one byte of its body every `interval` s."""

    def __init__(self, port: int, count: int = 40, interval: float = 2.0, limit: float = 300):
        self.port, self.count, self.interval, self.limit = port, count, interval, limit
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        self.thread.start()
        time.sleep(self.interval)  # every one of them connected and waiting on its body
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)

    def trickle(self) -> None:
        head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n").encode()
        sockets = []
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(head)
            sockets.append(sock)
            time.sleep(0.02)  # one at a time, so that every gunicorn worker takes its share
        deadline = time.monotonic() + self.limit  # bounded even if nobody stops it
        while not self.stopped.wait(self.interval) and time.monotonic() < deadline:
            for sock in sockets:
                try:
                    sock.sendall(b"a")
                except OSError:  # dropped by the server: it stays dropped
                    pass
        for sock in sockets:
            sock.close()
