"""`probe`: checks the scanners cannot make (stored XSS, open redirect, CSV formulas, CSRF, IDOR)."""
from __future__ import annotations

import csv
import io
import json
import secrets
import urllib.parse
from pathlib import Path

from scripts.scanner.site import LOOPBACK, Browser, answer_fields, csrf_of, register, start_quiz


XSS = '"><script>alert("gw-xss")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://127.0.0.1/x","gw")'


def cmd_probe(base: str, workdir: str) -> None:
    """Checks the scanners cannot make: stored XSS through the display name and quiz answers (quiz
    page and review), open redirect through ?next= after a real login, CSV formula cells in the
    review download, CSRF refusal, another learner's attempt."""
    work = Path(workdir)
    targets = json.loads((work / "targets.json").read_text())
    results: list[tuple[bool, str]] = []

    def check(ok: bool, what: str) -> None:
        results.append((ok, what))
        print(("  ok    " if ok else "  FLAG  ") + what)

    password = secrets.token_urlsafe(12)
    b = register(base, "scan-probe", password, display_name=XSS[:80])
    status, _, html = b.fetch("/course")
    check(status == 200 and "<script>alert(" not in html and "&lt;script&gt;alert(" in html,
          f"display name with markup, on /course: shown escaped ({status}; raw markup present: "
          f"{'<script>alert(' in html}; escaped text present: {'&lt;script&gt;alert(' in html})")

    # Open redirect after login: ?next= must only ever lead to a path on this site.
    for target in ("/course", "//evil.example/", "https://evil.example/", "/\\evil.example", "/%5Cevil.example",
                   "/%09/evil.example", "///evil.example", "http:evil.example", "/course%0d%0aX-Injected:%201"):
        anon = Browser(base)
        _, _, html = anon.fetch("/login")
        status, _, _ = anon.fetch(f"/login?next={target}", {
            "csrf_token": csrf_of(html), "username": "scan-probe", "password": password}, follow=False)
        location = (anon.headers or {}).get("Location", "")
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/login", location))
        local = (status == 302 and parts.hostname == LOOPBACK and not location.startswith(("//", "/\\"))
                 and "\\" not in location and all(c.isprintable() for c in location)
                 and "X-Injected" not in str(anon.headers))
        if target == "/course":
            local = local and parts.path == "/course"
        check(local, f"login with ?next={target} -> {status} Location: {location!r} (want a path on this site)")

    chosen = None
    for module_id in ("crypto-finance", "provinces-alliances", "critical-reading", "breaking-the-walls", "amaq"):
        attempt_id, html = start_quiz(b, module_id)
        data, answers, kinds = answer_fields(html)
        texts = [n for n in answers if kinds[n] == "text"]
        numerics = [n for n in answers if kinds[n] == "numeric"]
        if texts or numerics:
            chosen = (module_id, attempt_id, data, texts, numerics)
            break
    if chosen is None:
        print("  no free-text question found; stored-XSS probe skipped")
        return
    module_id, attempt_id, data, texts, numerics = chosen
    form = dict(data)
    for name in texts:
        form[name] = XSS
    for name in numerics:
        form[name] = FORMULA
    print(f"  learner scan-probe, {module_id} attempt {attempt_id}: "
          f"{', '.join(texts)} <- XSS string, {', '.join(numerics)} <- spreadsheet formula")

    # CSRF: the same save without a token, and with a forged one, must be refused.
    no_token = {k: v for k, v in form.items() if k != "csrf_token"}
    status, _, _ = b.fetch(f"/attempts/{attempt_id}/save", no_token, follow=False)
    check(status == 400, f"POST /attempts/{attempt_id}/save without csrf_token -> {status} (want 400)")
    status, _, _ = b.fetch(f"/attempts/{attempt_id}/save", {**no_token, "csrf_token": "forged"}, follow=False)
    check(status == 400, f"POST /attempts/{attempt_id}/save with a forged csrf_token -> {status} (want 400)")
    status, _, _ = b.fetch("/logout", {}, follow=False)
    check(status == 400, f"POST /logout without csrf_token -> {status} (want 400)")

    status, _, html = b.fetch(f"/attempts/{attempt_id}/save", form)
    check(status == 200, f"save with the probe answers -> {status}")
    check("<script>alert(" not in html and "&lt;script&gt;alert(" in html,
          f"quiz page after save: the answer is shown escaped (raw markup present: {'<script>alert(' in html}; "
          f"escaped text present: {'&lt;script&gt;alert(' in html})")
    status, _, html = b.fetch(f"/attempts/{attempt_id}/submit", form)
    check(status == 200, f"submit -> {status}")
    status, _, html = b.fetch(f"/attempts/{attempt_id}/review")
    check(status == 200 and "<script>alert(" not in html and "&lt;script&gt;alert(" in html,
          f"review page: the answer is shown escaped ({status}; raw markup present: {'<script>alert(' in html}; "
          f"escaped text present: {'&lt;script&gt;alert(' in html})")
    status, _, body = b.fetch(f"/attempts/{attempt_id}/review.csv")
    if status == 404:
        print("  (no /attempts/<id>/review.csv in this version: CSV check skipped)")
    elif numerics or texts:
        cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
        live = [c for c in cells if c[:1] in ("=", "+", "-", "@")]
        check(status == 200 and not live and any(c.startswith("'=") for c in cells),
              f"review.csv: formula answers defused ({status}; live formula cells: {live[:3]})")

    # Another learner's attempt (scan-sqlmap's) must not be visible.
    other = targets["ATTEMPT_ID"]
    for path in (f"/attempts/{other}", f"/attempts/{other}/review", f"/attempts/{other}/review.csv"):
        status, _, _ = b.fetch(path, follow=False)
        check(status == 404, f"GET {path} (scan-sqlmap's attempt) as scan-probe -> {status} (want 404)")
    status, _, _ = b.fetch(f"/attempts/{other}/save", {"csrf_token": csrf_of(b.fetch("/course")[2]),
                                                         "q0": "1"}, follow=False)
    check(status == 404, f"POST /attempts/{other}/save (scan-sqlmap's attempt) as scan-probe -> {status} (want 404)")

    (work / "probe.json").write_text(json.dumps([{"ok": ok, "check": what} for ok, what in results], indent=2))

