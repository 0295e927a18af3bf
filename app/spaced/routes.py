"""The review queue: due cards asked again, the key and passage after each answer, a card's history."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.classes.reviewing import review_visibility
from app.content import catalog
from app.models import ReviewCard
from app.quiz.presenter import public_view, review_view
from app.spaced import bp
from app.spaced.forms import ReviewForm
from app.spaced.clock import now
from app.spaced.queue import (ANSWER_NAME, ReviewRefused, due_cards, due_summary, history, next_due_text,
                              own_card, raise_to_easy, record_review, shown)
from app.spaced.sync import sync_cards
from fsrs import Rating

RATINGS = {int(r): r.name for r in Rating}


def modules_with_hidden_keys() -> set[str]:
    """The modules whose key one of the learner's classes does not show yet: their cards wait (a
    review shows the key, the explanation and the passage, and which questions were missed)."""
    shown_now = review_visibility(current_user, [m.id for m in catalog().modules])
    return {module_id for module_id, visibility in shown_now.items() if not visibility.shows_key}


def reviewable(due: list) -> list:
    hidden = modules_with_hidden_keys()
    return [d for d in due if d.question.module_id not in hidden]


def get_own_card(card_id: int) -> ReviewCard:
    """:raise 404: when the card is not the current learner's, its question left the bank, or its
    module's key is not shown to the learner yet."""
    card = own_card(current_user.id, card_id) or abort(404, description="There is no such card in your queue.")
    if catalog().questions[card.question_id].module_id in modules_with_hidden_keys():
        abort(404, description="This card waits until your instructor shows the key of its module.")
    return card


@bp.route("/review")
@login_required
def queue():
    """The due cards, most forgotten first; the first of them asked again."""
    sync_cards(current_user.id)
    moment = now()
    every_due = due_cards(current_user.id, moment)
    due = reviewable(every_due)
    question = public_view(shown(due[0].card, due[0].card.reps + 1)) if due else None
    return render_template("spaced/queue.html", due=due, question=question, waiting=len(every_due) - len(due),
                           summary=due_summary(current_user.id, moment), moment=moment, next_due_text=next_due_text)


@bp.route("/review/cards/<int:card_id>/answer", methods=["POST"])
@login_required
def answer(card_id: int):
    """Grade the answer to a due card and reschedule it; then show the key and the passage."""
    card = get_own_card(card_id)
    form = ReviewForm(request.form)
    if not form.validate() or f"{ANSWER_NAME}-present" not in request.form:
        flash("That review form was incomplete, so nothing was recorded: here is your queue.", "error")
        return redirect(url_for("spaced.queue"))
    try:
        entry = record_review(card, form.reps.data, request.form, now())
    except ReviewRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("spaced.queue"))
    return redirect(url_for("spaced.result", card_id=card.id, number=entry.number))


def get_review(card: ReviewCard, number: int):
    """:raise 404: when the card has no review with this number."""
    for entry in history(card):
        if entry.number == number:
            return entry
    abort(404, description="This card has no such review.")


@bp.route("/review/cards/<int:card_id>/reviews/<int:number>")
@login_required
def result(card_id: int, number: int):
    """One review: the question as asked, the answer given, the current key, explanation and passage."""
    card = get_own_card(card_id)
    entry = get_review(card, number)
    item = review_view(shown(card, number, entry.response, entry.fraction))
    return render_template("spaced/result.html", card=card, entry=entry, item=item, rating=RATINGS[entry.rating],
                           may_raise=entry.origin == "review" and entry.rating == int(Rating.Good)
                           and number == card.reps, next_due=next_due_text(card.due, now()),
                           due_left=len(reviewable(due_cards(current_user.id, now()))))


@bp.route("/review/cards/<int:card_id>/reviews/<int:number>/easy", methods=["POST"])
@login_required
def easy(card_id: int, number: int):
    """Raise a right answer's rating from Good to Easy (the card then comes back later)."""
    card = get_own_card(card_id)
    try:
        raise_to_easy(card, number)
    except ReviewRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("spaced.result", card_id=card.id, number=number))


@bp.route("/review/cards/<int:card_id>")
@login_required
def card_history(card_id: int):
    """Every review of one card: when, where it came from, the rating and the due date it set."""
    card = get_own_card(card_id)
    question = catalog().questions[card.question_id]
    return render_template("spaced/history.html", card=card, question=question, entries=history(card),
                           ratings=RATINGS, next_due=next_due_text(card.due, now()))
