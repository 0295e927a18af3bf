"""One HTTP client for the benchmark, the scanner's set-up and the tests that drive a real server.

Standard library only (the scanner runs it with the system Python): http.client with one
keep-alive connection per thread, cookie jars, redirects followed or not, and the page's
forms and CSRF token read with html.parser. Nothing here retries a request that may have
reached the server, except where the caller says it is safe (`retry=True`).
"""
from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

CSRF_FIELD = "csrf_token"
REDIRECTS = (301, 302, 303, 307, 308)
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
         http.client.CannotSendRequest, http.client.ResponseNotReady)


class MissingToken(LookupError):
    """The page has no csrf_token input with a value."""


# --------------------------------------------------------------------------- pages


class _Found(Exception):
    pass


class _TokenFinder(HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == CSRF_FIELD and a.get("value"):
            raise _Found(a["value"])


def csrf_token(html: str) -> str:
    """The value of the page's first csrf_token input (attributes in any order).

    :raise MissingToken: when the page has none.
    """
    try:
        _TokenFinder(convert_charrefs=True).feed(html)
    except _Found as found:
        return found.args[0]
    raise MissingToken("no csrf_token in the page")


class FormParser(HTMLParser):
    """Forms with their action and fields, each field with the question type of its fieldset
    (data-type, "" outside a question); links (href) on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._select: dict | None = None
        self._question_type = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "fieldset":
            self._question_type = a.get("data-type", "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": (a.get("method") or "get").lower(),
                               "fields": []})
        elif self.forms:
            self._field(tag, a)

    def _field(self, tag: str, a: dict) -> None:
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            fields.append({"tag": "input", "type": (a.get("type") or "text").lower(), "name": a["name"],
                           "value": a.get("value", ""), "question_type": self._question_type})
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "type": "select", "name": a["name"], "options": [],
                            "question_type": self._question_type}
            fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            fields.append({"tag": "textarea", "type": "text", "name": a["name"], "value": ""})

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self._question_type = ""
        if tag == "select":
            self._select = None


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


# --------------------------------------------------------------------------- requests


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    url: str = ""  # where the answer came from, after any redirects followed

    @property
    def location(self) -> str:
        """The path a redirect leads to."""
        return urlsplit(self.headers.get("Location", "")).path

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def token(self) -> str:
        """The page's CSRF token. :raise MissingToken:"""
        try:
            return csrf_token(self.text)
        except MissingToken:
            raise MissingToken(f"no csrf_token in the page (status {self.status})") from None


class CookieJar:
    """A browser's cookies for one site (a reverse proxy forwards them as they are)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take_cookies(self, headers: http.client.HTTPMessage) -> None:
        for raw in headers.get_all("Set-Cookie") or []:
            first, _, attrs = raw.partition(";")
            name, _, value = first.strip().partition("=")
            attrs_l = attrs.lower()
            if not value or "max-age=0" in attrs_l or "expires=thu, 01 jan 1970" in attrs_l:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


class Connections:
    """One keep-alive HTTP connection per thread to one server; each request with a jar's cookies."""

    def __init__(self, host: str, port: int, timeout: float = 60.0, headers: dict | None = None):
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = dict(headers or {})
        self.local = threading.local()

    def get(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            conn.connect()
            self.local.conn = conn
        return conn

    def drop(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None

    def request(self, method: str, path: str, jar: CookieJar | None = None, form=None,
                headers: dict | None = None, retry: bool = False) -> Response:
        body = urlencode(form, doseq=True).encode() if form is not None else None
        hdrs = {"Host": f"{self.host}:{self.port}", **self.headers}
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if jar is not None and jar.cookies:
            hdrs["Cookie"] = jar.cookie_header()
        hdrs.update(headers or {})
        for attempt in (1, 2):
            conn = self.get()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except STALE:
                self.drop()
                if retry and attempt == 1:
                    continue
                raise
            if resp.will_close:
                self.drop()
            if jar is not None:
                jar.take_cookies(resp.headers)
            return Response(resp.status, resp.headers, data, f"http://{self.host}:{self.port}{path}")
        raise AssertionError("unreachable")


class Browser(CookieJar):
    """One visitor of one server: its cookies, form posts, and redirects followed on request."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 15.0, headers: dict | None = None):
        super().__init__()
        self.connections = Connections(host, port, timeout, headers)

    def request(self, method: str, path: str, form=None, headers=None, follow: bool = False) -> Response:
        """Redirects after a POST are followed with a GET, as a browser does, and only on this server."""
        for _ in range(10):
            reply = self.connections.request(method, path, self, form=form, headers=headers)
            if not follow or reply.status not in REDIRECTS:
                return reply
            target = urlsplit(urljoin(reply.url, reply.headers.get("Location", "")))
            if (target.hostname, target.port) != (self.connections.host, self.connections.port):
                raise ValueError(f"refusing to follow a redirect off this server: {target.geturl()}")
            method, form, path = "GET", None, target.path + (f"?{target.query}" if target.query else "")
        raise RuntimeError(f"too many redirects at {path}")

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, form, **kw) -> Response:
        return self.request("POST", path, form=form, **kw)


def timed_get(port: int, path: str, timeout: float, host: str = "127.0.0.1") -> tuple[int, float]:
    """GET on a new connection: (status, seconds); status 0 when no answer came within timeout."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started
    finally:
        conn.close()
