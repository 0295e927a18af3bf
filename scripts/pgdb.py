"""Create, drop or ping a throwaway PostgreSQL database for the test suite.

    python scripts/pgdb.py ping   ADMIN_URL          exit 0 when the server answers
    python scripts/pgdb.py create ADMIN_URL          prints the SQLAlchemy URL of a new database
    python scripts/pgdb.py drop   ADMIN_URL DB_URL   drops it
"""
from __future__ import annotations

import os
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg


def connect(admin_url: str):
    return psycopg.connect(admin_url, autocommit=True, connect_timeout=3)


def main(argv: list[str]) -> int:
    command, admin_url = argv[0], argv[1]
    if command == "ping":
        try:
            with connect(admin_url):
                return 0
        except psycopg.OperationalError:
            return 1
    if command == "create":
        name = f"groundwork_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with connect(admin_url) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(admin_url)
        print(urlunsplit(parts._replace(scheme="postgresql+psycopg", path=f"/{name}")))
        return 0
    if command == "drop":
        name = urlsplit(argv[2]).path.lstrip("/")
        if not name.startswith("groundwork_test_"):
            print(f"refusing to drop {name!r}", file=sys.stderr)
            return 1
        with connect(admin_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
