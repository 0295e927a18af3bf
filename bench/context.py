"""What every phase of one database's run shares: its database, servers, connections and learners."""
from __future__ import annotations

import signal
import subprocess
import time
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import cpu
from load import Learner
from support.http import Connections
from support.servers import Gunicorn

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUIZ_MODULE = "amaq"
QUIZ_LENGTH = 12
T = TypeVar("T")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_gunicorn(name: str, app_spec: str, env: dict, settings: dict, error_log: Path, ready_path: str,
                   pythonpath: str | None = None) -> Gunicorn:
    """gunicorn with the benchmark's settings, ready once its first worker answers (and the others booted)."""
    options = ["--keep-alive", str(settings["keepalive"]), "--backlog", str(settings["backlog"]),
               "--log-level", "warning", "--error-logfile", str(error_log), "--chdir", str(ROOT)]
    if pythonpath:
        options += ["--pythonpath", pythonpath]
    server = Gunicorn(env, None, workers=settings["workers"], worker_class=settings["worker_class"],
                      threads=settings["threads"], options=options, app=app_spec, name=name, grace=30,
                      ready=lambda s: 0 < s.answers(ready_path, timeout=2) < 500)
    server.error_log = error_log
    try:
        server.start(timeout=60)
    except RuntimeError as exc:
        raise SystemExit(f"{name}: {str(exc).splitlines()[0]}; see {error_log}")
    time.sleep(1.0)  # every worker boots on its own; give the others the time the first one took
    return server


@dataclass
class Run:
    """One database under test; the phases fill in servers, learners and the CPU notes as they go."""
    kind: str
    args: Namespace
    here: Path
    url: str
    catalog: object
    app: object = None  # the Flask app on the same database, to read results back
    engine: object = None  # the ceiling's
    seeded: dict = field(default_factory=dict)
    servers: list[Gunicorn] = field(default_factory=list)
    conns: Connections | None = None  # to the app
    cconns: Connections | None = None  # to the ceiling
    burst: list[Learner] = field(default_factory=list)  # the seminar's learners
    history: list[Learner] = field(default_factory=list)  # seeded learners with a past
    instructor: Learner | None = None
    cpu: dict[str, dict] = field(default_factory=dict)

    def server(self, name: str) -> Gunicorn:
        return next(s for s in self.servers if s.name == name)

    def measured(self, name: str, run: Callable[[], T], wait: bool = True) -> T:
        """Wait for a quiet machine (bounded), run one timed phase, note who used the CPU meanwhile."""
        groups = {s.proc.pid for s in self.servers}
        quiet = cpu.wait_for_quiet(groups, self.args.quiet_wait).as_dict() \
            if wait and self.args.quiet_wait > 0 else {}
        spy = self.profile(name) if self.args.py_spy and self.servers else None
        before = cpu.sample(groups)
        out = run()
        self.cpu[name] = {**cpu.usage(before, cpu.sample(groups)).as_dict(), **quiet}
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return out

    def profile(self, name: str) -> subprocess.Popen:
        """py-spy on every worker, waiting included (--idle), while the phase runs."""
        profiled = self.server("ceiling" if name.startswith("ceiling") else "groundwork")
        spy = subprocess.Popen([self.args.py_spy, "record", "--pid", str(profiled.proc.pid), "--subprocesses",
                                "--idle", "--nonblocking", "--rate", "250", "--format", "raw",
                                "-o", str(self.here / f"py-spy-{name}.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(2.0)
        return spy

    def stop(self, name: str) -> None:
        server = self.server(name)
        server.stop()
        self.servers.remove(server)
