"""`prepare`: the scan's accounts, sessions and quizzes, and its targets in WORKDIR/targets.env."""
from __future__ import annotations

import json
import re
import secrets
import shlex
import urllib.parse
from pathlib import Path

from scripts.scanner.site import LOOPBACK, Browser, answer_fields, csrf_of, parse, register, start_quiz


def cmd_prepare(base: str, workdir: str) -> None:
    work = Path(workdir)
    password = secrets.token_urlsafe(12)

    # Anonymous session (for the login and register forms: both redirect a logged-in user away).
    anon = Browser(base)
    status, _, login_html = anon.fetch("/login")
    if status != 200:
        raise SystemExit(f"scanner: GET /login answered {status}")
    csrf_of(login_html)
    anon_cookie = anon.cookie_header()

    # Learner A: used by sqlmap (its own attempt, so wapiti cannot submit it under sqlmap's feet).
    a = register(base, "scan-sqlmap", password)
    attempt_a, take_html = start_quiz(a, "amaq")
    data_a, answers_a, kinds_a = answer_fields(take_html)
    # sqlmap tests questions q0..q3 (the first field of each: an order or match question has one
    # field per item, q2-0, q2-1 ...) and the first field of every other question type on the form;
    # all 24 or so fields would take too long, and they share the parse functions of app/quiz/types/.
    tested: list[str] = []
    for name in answers_a:
        number = int(re.match(r"q(\d+)", name).group(1))
        if number <= 3 and not any(re.match(rf"q{number}(-|$)", t) for t in tested):
            tested.append(name)
    for name in answers_a:
        if kinds_a[name] not in {kinds_a[t] for t in tested}:
            tested.append(name)
    _, _, sources_html = a.fetch("/sources")
    links = [l for l in parse(sources_html).links if l.startswith("/sources/")]
    if not links:
        raise SystemExit("scanner: no source links on /sources")
    source_id = urllib.parse.urlsplit(links[0]).path.rsplit("/", 1)[-1]
    _, _, lesson_html = a.fetch("/modules/amaq/lesson")
    hl_links = [l for l in parse(lesson_html).links if l.startswith("/sources/") and "hl=" in l]
    if hl_links:
        parts = urllib.parse.urlsplit(hl_links[0])
        source_id = parts.path.rsplit("/", 1)[-1]
        hl = urllib.parse.parse_qs(parts.query)["hl"][0]
    else:
        hl = "x"
    user_cookie_a = a.cookie_header()

    # Learner B: used by wapiti; an open quiz of its own so the crawl finds a quiz form.
    b = register(base, "scan-wapiti", password)
    attempt_b, take_b = start_quiz(b, "breaking-the-walls")
    # wapiti attacks every parameter of a form as one unit of work that its --max-attack-time
    # cannot cut short; a quiz form has 40-odd fields, so it attacks one field per question type
    # and skips the rest (and csrf_token: any change to it is a 400, nothing to learn).
    data_b, answers_b, kinds_b = answer_fields(take_b)
    keep_b: list[str] = []
    for name in answers_b:
        if kinds_b[name] not in {kinds_b[k] for k in keep_b}:
            keep_b.append(name)
    skip_b = ["csrf_token"] + [n for n, _ in data_b if n != "csrf_token" and n not in keep_b]

    # wapiti's JSON cookie file (wapitiCore/net/jsoncookie.py): domain -> path -> name -> attributes.
    cookies = {LOOPBACK: {"/": {name: {"value": value, "expires": None, "secure": False,
                                       "port": None, "version": 0} for name, value in b.cookies.items()}}}
    (work / "wapiti-cookie-user.json").write_text(json.dumps(cookies, indent=2))

    save_data = urllib.parse.urlencode(data_a)
    values = {
        "ANON_COOKIE": anon_cookie,
        "USER_COOKIE": user_cookie_a,
        "USER_PASSWORD": password,
        "ATTEMPT_ID": str(attempt_a),
        "WAPITI_ATTEMPT_ID": str(attempt_b),
        "SAVE_DATA": save_data,
        "SAVE_PARAMS": ",".join(tested),
        "SAVE_PARAM_KINDS": ", ".join(f"{n} ({kinds_a[n]})" for n in tested),
        "ALL_ANSWER_FIELDS": ", ".join(f"{n} ({kinds_a[n]})" for n in answers_a),
        "WAPITI_SKIP": " ".join(dict.fromkeys(skip_b)),
        "WAPITI_FIELDS": ", ".join(f"{n} ({kinds_b[n]})" for n in keep_b),
        "SOURCE_ID": source_id,
        "HL": hl,
    }
    with open(work / "targets.env", "w") as fh:
        for key, value in values.items():
            fh.write(f"{key}={shlex.quote(value)}\n")
    (work / "targets.json").write_text(json.dumps({k: v for k, v in values.items() if "COOKIE" not in k
                                                   and k != "USER_PASSWORD"}, indent=2))
    print(f"  learners scan-sqlmap (attempt {attempt_a}, amaq) and scan-wapiti (attempt {attempt_b}, "
          f"breaking-the-walls)\n  quiz fields for sqlmap: {values['SAVE_PARAM_KINDS']}"
          f"\n  quiz fields for wapiti: {values['WAPITI_FIELDS']}"
          f"\n  reader: /sources/{source_id}?hl={hl}")

