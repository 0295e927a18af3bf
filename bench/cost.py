"""What one request costs the server on its own: no concurrency, no HTTP, no other client.

Each request is run through the WSGI app in this process (Flask's test client), one
after another, on the benchmark's database; the figure is the median wall time in
milliseconds (on PostgreSQL it includes the database server's turn). It tells how far
apart the app and the ceiling are before any queueing or locking: with requests that
only need CPU, `ceiling_ms / app_ms` bounds the throughput ratio the load test can show.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

from support.http import csrf_token


def token(response) -> str:
    return csrf_token(response.get_data(as_text=True))


def timed(calls: list[Callable[[], object]], check: Callable[[object], bool]) -> float:
    times = []
    for call in calls:
        t0 = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - t0)
        if not check(response):
            raise RuntimeError(f"unexpected response {getattr(response, 'status_code', response)}")
    return round(statistics.median(times) * 1000.0, 2)


def request_costs(app, ceiling_app, catalog, usernames: list[str], password: str, module_id: str,
                  correct_fields, samples: int = 60) -> dict[str, float]:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import AttemptItem

    clients = []
    for name in usernames[:samples]:
        client = app.test_client()
        page = client.get("/login")
        response = client.post("/login", data={"csrf_token": token(page), "username": name, "password": password})
        if response.status_code != 302:
            raise RuntimeError(f"login {name}: {response.status_code}")
        page = client.get(f"/modules/{module_id}")
        response = client.post(f"/modules/{module_id}/quiz", data={"csrf_token": token(page)})
        attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
        csrf = token(client.get(f"/attempts/{attempt_id}"))
        clients.append((client, attempt_id, csrf))
    with app.app_context():
        forms: dict[int, dict] = {aid: {} for _, aid, _ in clients}
        for item in db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id.in_(list(forms)))):
            forms[item.attempt_id].update(correct_fields(item.position, item.spec, item.layout))
        db.session.remove()

    def form(aid, csrf):
        pairs = [("csrf_token", csrf)]
        for key, value in forms[aid].items():
            pairs += [(key, v) for v in (value if isinstance(value, list) else [value])]
        from werkzeug.datastructures import MultiDict
        return MultiDict(pairs)

    for client, aid, csrf in clients:
        client.post(f"/attempts/{aid}/save", data=form(aid, csrf), headers={"X-Requested-With": "fetch"})
    lessons = [f"/modules/{m.id}/lesson" for m in catalog.modules]
    sources = [f"/sources/{s}" for s in catalog.sources]
    ok = lambda r: r.status_code == 200
    first = clients[0][0]
    for url in lessons + sources + ["/course"] * 5:  # compile the templates
        first.get(url)
    costs = {
        "submit_ms": timed([lambda c=c, a=a, t=t: c.post(f"/attempts/{a}/submit", data=form(a, t))
                            for c, a, t in clients], lambda r: r.status_code == 302),
        "lesson_page_ms": timed([lambda i=i: clients[i % len(clients)][0].get(lessons[i % len(lessons)])
                                 for i in range(samples * 2)], ok),
        "reader_page_ms": timed([lambda i=i: clients[i % len(clients)][0].get(sources[i % len(sources)])
                                 for i in range(samples * 2)], ok),
        "progress_page_ms": timed([lambda i=i: clients[i % len(clients)][0].get("/course")
                                   for i in range(samples * 2)], ok),
    }
    ceiling = ceiling_app.test_client()
    for _ in range(20):
        ceiling.get("/page")
        ceiling.post("/insert", data={"learner": "0"})
    costs["ceiling_page_ms"] = timed([lambda: ceiling.get("/page") for _ in range(samples * 4)], ok)
    costs["ceiling_insert_ms"] = timed([lambda i=i: ceiling.post("/insert", data={"learner": str(i)})
                                        for i in range(samples * 4)], lambda r: r.status_code == 204)
    costs["submit_vs_insert"] = round(costs["ceiling_insert_ms"] / costs["submit_ms"], 3)
    costs["lesson_vs_page"] = round(costs["ceiling_page_ms"] / costs["lesson_page_ms"], 3)
    return costs
