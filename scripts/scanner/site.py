"""The scan's browser: support.http's, only ever to 127.0.0.1; registering, starting a quiz, its fields."""
from __future__ import annotations

import re
import urllib.parse

from support import http
from support.http import MissingToken, csrf_token, parse

LOOPBACK = "127.0.0.1"


def check_loopback(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host != LOOPBACK:
        raise SystemExit(f"scanner: refusing a non-loopback address: {url}")
    return url


class Browser(http.Browser):
    """A cookie-keeping client that follows redirects (only on this server, only ever 127.0.0.1)."""

    def __init__(self, base: str):
        self.base = check_loopback(base.rstrip("/"))
        super().__init__(urllib.parse.urlsplit(self.base).port or 80, host=LOOPBACK, timeout=30,
                         headers={"User-Agent": "groundwork-scan-setup"})
        self.headers = None  # the last response's

    def fetch(self, path: str, data: dict | None = None, follow: bool = True) -> tuple[int, str, str]:
        """GET, or POST the form `data`: (status, final URL, page)."""
        try:
            reply = self.request("GET" if data is None else "POST", path, form=data, follow=follow)
        except (ValueError, RuntimeError) as exc:
            raise SystemExit(f"scanner: {exc}")
        self.headers = reply.headers
        return reply.status, reply.url, reply.text


def csrf_of(html: str) -> str:
    """The value of the first csrf_token input on the page (attributes in any order)."""
    try:
        return csrf_token(html)
    except MissingToken:
        raise SystemExit("scanner: no csrf_token hidden input on the page") from None


def register(base: str, username: str, password: str, display_name: str | None = None) -> Browser:
    b = Browser(base)
    status, _, html = b.fetch("/register")
    if status != 200:
        raise SystemExit(f"scanner: GET /register answered {status}")
    status, url, html = b.fetch("/register", {
        "csrf_token": csrf_of(html), "username": username, "display_name": display_name or username,
        "password": password, "confirm": password})
    if status != 200 or not url.endswith("/course"):
        raise SystemExit(f"scanner: registering {username} failed ({status} at {url})")
    return b


def start_quiz(b: Browser, module_id: str) -> tuple[int, str]:
    """Start a module's quiz; returns the attempt id and the quiz page."""
    _, _, html = b.fetch(f"/modules/{module_id}")
    status, url, html = b.fetch(f"/modules/{module_id}/quiz", {"csrf_token": csrf_of(html)})
    m = re.search(r"/attempts/(\d+)$", urllib.parse.urlsplit(url).path)
    if status != 200 or not m:
        raise SystemExit(f"scanner: starting the {module_id} quiz failed ({status} at {url})")
    return int(m.group(1)), html


def answer_fields(html: str) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    """The quiz form's fields with a plausible answer each, the answer fields' names, and their
    question types (as each fieldset's data-type says)."""
    forms = [f for f in parse(html).forms if re.search(r"/attempts/\d+/submit$", f["action"])]
    if not forms:
        raise SystemExit("scanner: no quiz form on the attempt page")
    data: list[tuple[str, str]] = []
    answers: list[str] = []
    kinds: dict[str, str] = {}
    seen: set[str] = set()
    for field in forms[0]["fields"]:
        name, kind = field["name"], field["type"]
        if name in seen and kind in ("radio", "checkbox"):
            continue  # one value per radio group / checkbox list is enough
        seen.add(name)
        if name == "csrf_token" or name.endswith("-present"):
            data.append((name, field.get("value", "")))
            continue
        if kind == "select":
            value = next((o for o in field["options"] if o), "")
        elif kind in ("radio", "checkbox"):
            value = field["value"]
        else:
            value = "1"
        kinds[name] = field["question_type"]
        data.append((name, value))
        answers.append(name)
    return data, answers, kinds

