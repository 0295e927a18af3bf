"""The room's other screens: the projector, the phones' poll of the room's step, and the host's
confirmation before ending the seminar."""
from __future__ import annotations

import segno
from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from app.content import catalog
from app.quiz.presenter import public_view, review_view
from app.seminar import bp
from app.seminar.forms import LeaderboardForm
from app.seminar.leaderboard import room_results, set_leaderboard
from app.seminar.live import live_item, seconds_left
from app.seminar.lookup import NOT_FOUND, hosted_seminar
from app.seminar.results import member_count, tallies
from app.seminar.room_state import room_steps, token_admits


def join_qr(link: str) -> Markup:
    """The join link as a QR code in inline SVG that its box sizes (no image is fetched)."""
    svg = segno.make(link, error="m").svg_inline(omitsize=True, border=2, light="white")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR code of the join link" ', 1))


def short_address(url: str) -> str:
    """The join address as people type it: no scheme ('https://example.org/join' → 'example.org/join')."""
    return url.split("://", 1)[-1]


@bp.route("/seminars/<int(max=2147483647):seminar_id>/screen")
@login_required
def screen(seminar_id: int):
    """The projector's full-window screen: how to join, the question, its answers once closed, the results;
    nobody's name (nicknames only, on the host's leaderboard)."""
    seminar = hosted_seminar(seminar_id)
    question = seminar.questions[seminar.position] if seminar.position >= 0 else None
    counts = tallies(seminar)
    join_url = url_for("seminar.join_form", _external=True)
    join_link = f"{join_url}?code={seminar.code}"
    return render_template(
        "seminar/screen.html", seminar=seminar, module=catalog().module(seminar.module_id),
        left=seconds_left(seminar), members=member_count(seminar.id), join_address=short_address(join_url),
        join_link=join_link, qr=join_qr(join_link),
        question=public_view(live_item(question)) if question else None,
        revealed=review_view(live_item(question)) if question and seminar.phase == "closed" else None,
        tally=counts[question.position] if question else None,
        results=room_results(seminar, counts) if seminar.phase == "ended" else None,
    ), 200, {"Cache-Control": "no-store"}


@bp.route("/seminars/<int(max=2147483647):seminar_id>/step/<token>")
def member_step(seminar_id: int, token: str):
    """What the members' phones poll: the room's step, phase and question (no session, no login lookup:
    the signed token in the address opens this room's step); 304 when nothing changed since the last
    poll. The same for every member, so nginx may keep it for a second (deploy/nginx.conf)."""
    if len(token) > 200 or not token_admits(token, seminar_id):
        abort(404, description=NOT_FOUND)
    room = room_steps().current(seminar_id)
    if room is None:
        abort(404, description=NOT_FOUND)
    headers = {"ETag": f'"{room.etag}"', "Cache-Control": "no-cache"}
    if request.if_none_match.contains(room.etag):
        return "", 304, headers
    return jsonify(room.as_json()), 200, headers


@bp.route("/seminars/<int(max=2147483647):seminar_id>/end")
@login_required
def confirm_end(seminar_id: int):
    """Ask the host to confirm before ending the seminar (ending cannot be undone)."""
    seminar = hosted_seminar(seminar_id)
    if seminar.phase == "ended":
        return redirect(url_for("seminar.host", seminar_id=seminar.id))
    return render_template("seminar/end.html", seminar=seminar, members=member_count(seminar.id),
                           asked=seminar.position + 1), 200, {"Cache-Control": "no-store"}


@bp.route("/seminars/<int(max=2147483647):seminar_id>/leaderboard", methods=["POST"])
@login_required
def leaderboard(seminar_id: int):
    """Show the best scores under nicknames on the projector at the end, or not (off by default)."""
    seminar = hosted_seminar(seminar_id)
    form = LeaderboardForm(request.form)
    if not form.validate():
        abort(400, description="Choose to show the leaderboard or to hide it.")
    set_leaderboard(seminar, form.shown.data == "on")
    return redirect(url_for("seminar.host", seminar_id=seminar.id))
