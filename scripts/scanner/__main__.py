"""python -m scripts.scanner SUB-COMMAND ...: the steps of scripts/scan (run from the project root)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"


def freeport(args) -> int:
    from support.servers import free_port

    print(free_port())
    return 0


def serve(args) -> int:
    """Become gunicorn (exec), so that the scan's trap stops the server by this pid."""
    from support.servers import Gunicorn, no_control_socket

    out = Path(args.workdir)
    server = Gunicorn(dict(os.environ), None, workers=2, port=args.port, options=[
        "--timeout", "60", *no_control_socket(), "--access-logfile", str(out / "gunicorn-access.log"),
        "--error-logfile", str(out / "gunicorn-error.log")])
    os.execve(server.command[0], server.command, server.env)


def wait(args) -> int:
    from scripts.scanner.site import Browser
    from support.servers import wait_until

    browser = Browser(args.base)

    def answers() -> bool:
        try:
            return browser.fetch("/", follow=False)[0] < 500
        except OSError:
            return False

    try:
        wait_until(answers, float(args.seconds), args.base, interval=0.3)
    except TimeoutError:
        raise SystemExit(f"scanner: {args.base} did not answer within {args.seconds}s")
    return 0


def prepare(args) -> int:
    from scripts.scanner.prepare import cmd_prepare

    cmd_prepare(args.base, args.workdir)
    return 0


def guard(args) -> int:
    """DIR/sitecustomize.py: loopback-only sockets and name lookups for the scanners."""
    directory = Path(args.directory)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FILES / "sitecustomize.py", directory / "sitecustomize.py")
    return 0


def tamper(args) -> int:
    """The sqlmap tamper script (a loopback X-Forwarded-For per request) at PATH."""
    path = Path(args.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FILES / "loopback_xff.py", path)
    (path.parent / "__init__.py").touch()
    return 0


def probe(args) -> int:
    from scripts.scanner.probe import cmd_probe

    cmd_probe(args.base, args.workdir)
    return 0


def wapiti(args) -> int:
    from scripts.scanner.wapiti import cmd_wapiti

    return cmd_wapiti(args.arguments)


def summarize(args) -> int:
    from scripts.scanner.summary import cmd_summarize

    return cmd_summarize(args.workdir)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scripts.scanner", description=__doc__)
    commands = p.add_subparsers(dest="command", required=True)

    def command(function, help: str, *arguments: str, **extra) -> argparse.ArgumentParser:
        sub = commands.add_parser(function.__name__, help=help, description=help)
        for name in arguments:
            sub.add_argument(name)
        sub.set_defaults(run=function, **extra)
        return sub

    command(freeport, "print a free port on 127.0.0.1")
    command(serve, "exec gunicorn (two workers) on 127.0.0.1:PORT, logs in WORKDIR", "port", "workdir")
    command(wait, "wait until BASE_URL answers (under 500), at most SECONDS", "base", "seconds")
    command(prepare, "accounts, sessions, a quiz, targets -> WORKDIR/targets.env", "base", "workdir")
    command(guard, "write DIR/sitecustomize.py: loopback-only sockets", "directory")
    command(tamper, "write the sqlmap tamper script (loopback X-Forwarded-For) at PATH", "path")
    command(probe, "stored XSS, open redirect, CSV formulas, CSRF, IDOR", "base", "workdir")
    sub = command(wapiti, "wapiti, with the --exclude bug of Debian's 3.0.4 mended")
    sub.add_argument("arguments", nargs=argparse.REMAINDER, help="wapiti's own arguments")
    command(summarize, "print the summary; exit 0 clean, 1 something to review", "workdir")
    return p


def main(argv: list[str]) -> int:
    if argv[:1] == ["wapiti"] and argv[1:2] not in (["-h"], ["--help"]):
        return wapiti(argparse.Namespace(arguments=argv[1:]))  # every argument is wapiti's, -u ... too
    args = parser().parse_args(argv)
    if args.command == "serve":
        args.port = int(args.port)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
