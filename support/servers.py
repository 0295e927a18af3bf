"""Start Groundwork on loopback for the tests, the benchmark and the scanner: gunicorn, ./serve, or
nginx (deploy/nginx.conf) in front of a gunicorn already running.

Each server runs in its own process group on 127.0.0.1:port (the port is chosen once, so a
restart answers where it did before); stop() and kill() are safe to repeat.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

from support.http import timed_get

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
APP = "app:create_app()"
LOG_PROBLEM = re.compile(r"Traceback|WORKER TIMEOUT|\[ERROR\]|CRITICAL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """The first true result of condition(), polled until timeout. :raise TimeoutError:"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def server_env(database_url: str, instance: Path, secret: str = "serving-secret") -> dict[str, str]:
    """This environment without the test run's own settings, and a server's database and instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUNDWORK_", "TEST_DATABASE"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY=secret, GROUNDWORK_INSTANCE=str(instance),
               PYTHONUNBUFFERED="1")
    return env


def no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket in ~/.gunicorn, shared by every server: not for ours."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return []
    flags = {flag for setting in KNOWN_SETTINGS for flag in setting.cli or ()}
    return ["--no-control-socket"] if "--no-control-socket" in flags else []


class Process:
    """A server in its own process group; ready once ready(self) holds (by default GET /login is a 200)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path | None, port: int,
                 ready: Callable[[Process], bool] | None = None, timeout: float = 60, grace: float = 20):
        self.name, self.command, self.env, self.log, self.port = name, command, env, log, port
        self.ready = ready or (lambda server: server.answers("/login") == 200)
        self.timeout, self.grace = timeout, grace
        self.proc: subprocess.Popen | None = None

    def answers(self, path: str, timeout: float = 5) -> int:
        """The status of GET path, 0 for no answer."""
        return timed_get(self.port, path, timeout)[0]

    def launch(self) -> None:
        """Start the process and return at once; start() also waits until it is ready."""
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            if self.log:
                out.close()

    def start(self, timeout: float | None = None) -> None:
        """:raise RuntimeError: when it exits, or is not ready within the timeout."""
        self.launch()
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}\n{self.tail()}")
            if self.ready(self):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout}s\n{self.tail()}")

    def stop(self) -> int | None:
        """SIGTERM, as a service manager would send it; the exit status (negative if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                pass
        return self.kill()

    def kill(self) -> int | None:
        """Whatever is left of its process group, at once."""
        if self.proc is None:
            return None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None

    def workers(self) -> set[int]:
        """The master's children, from /proc (Linux)."""
        pids: set[int] = set()
        for children in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            try:
                pids |= {int(p) for p in children.read_text().split()}
            except OSError:
                pass
        return pids

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log and self.log.exists() else ""

    def log_problems(self, log: Path | None = None) -> list[str]:
        """Lines of its log that tell of a crash, a timeout or an error."""
        log = log or self.log
        if not log or not log.exists():
            return []
        return [line for line in log.read_text(errors="replace").splitlines() if LOG_PROBLEM.search(line)]


class Gunicorn(Process):
    """gunicorn on 127.0.0.1:port; `options` are more command-line settings, before the app."""

    def __init__(self, env: dict[str, str], log: Path | None, workers: int = 2, threads: int | None = None,
                 worker_class: str | None = None, options: list[str] = (), app: str = APP,
                 port: int | None = None, name: str = "gunicorn", **process):
        port = port or free_port()
        command = [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        if worker_class:
            command += ["--worker-class", worker_class]
        if threads is not None:
            command += ["--threads", str(threads)]
        super().__init__(name, [*command, *options, app], env, log, port, **process)


class Nginx(Process):
    """nginx on 127.0.0.1:port with deploy/nginx.conf, as ./serve fills it in, in front of the server
    listening on `upstream` ("127.0.0.1:8001")."""

    def __init__(self, upstream: str, run_dir: Path, name: str = "nginx", ready_path: str = "/login"):
        port = free_port()
        run_dir.mkdir(parents=True, exist_ok=True)
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        for field, value in (("@LISTEN@", f"127.0.0.1:{port}"), ("@UPSTREAM@", upstream), ("@RUN@", str(run_dir)),
                             ("@STATIC@", f"{ROOT / 'static'}/")):
            conf = conf.replace(field, value)
        (run_dir / "nginx.conf").write_text(conf)
        command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(run_dir), "-e", str(run_dir / "nginx-error.log"),
                   "-c", str(run_dir / "nginx.conf")]
        if os.geteuid() == 0:  # its workers would run as nobody, who may not read the checkout
            command += ["-g", f"user {ROOT.owner()};"]
        super().__init__(name, command, {**os.environ}, run_dir / "nginx.log", port,
                         ready=lambda server: 0 < server.answers(ready_path) < 500)


def stack(env: dict[str, str], run_dir: Path) -> Process:
    """./serve: nginx on a free loopback port, gunicorn behind it."""
    port = free_port()
    env = dict(env, HOST="127.0.0.1", PORT=str(port), RUN_DIR=str(run_dir))
    return Process("./serve", [str(ROOT / "serve")], env, run_dir.parent / "serve.log", port)


def bare_gunicorn(env: dict[str, str], log: Path, workers: int = 4, threads: int = 2) -> Gunicorn:
    """gunicorn served directly (README's former production command by default), on a free loopback port."""
    return Gunicorn(env, log, workers=workers, threads=threads)
