"""The course: overview and progress, modules, lessons, the source reader, glossary and timeline."""
from typing import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app.caches import caches
from app.classes.deadlines import class_deadlines
from app.content import catalog
from app.content.model import Module, Source
from app.learning import bp
from app.learning.progress import course_progress, lesson_progress, mark_read, module_progress
from app.learning.reader import reader_rows
from app.lookups import get_module
from app.spaced.clock import now as review_clock
from app.spaced.queue import due_summary
from app.spaced.sync import sync_cards


def get_source(source_id: str) -> Source:
    """:raise 404: when no source has this id."""
    return catalog().sources.get(source_id) or abort(404, description="There is no such source.")


def module_sources(module: Module) -> list[Source]:
    return [catalog().sources[sid] for sid in module.source_ids]


def lesson_terms(module: Module) -> list:
    """The glossary terms the lesson uses, in the order they first appear (its printed word list)."""
    by_slug = {term.slug: term for term in catalog().glossary}
    return [by_slug[slug] for slug in module.terms_used if slug in by_slug]


def render_module_page(template: str, module: Module, progress):
    """A page about one module, with the learner's progress and the module's sources."""
    return render_template(template, module=module, progress=progress, sources=module_sources(module))


def rendered_once(template: str, key: tuple, context: Callable[[], dict]) -> Markup:
    """A part of a page that is the same for every learner, rendered once per process.

    For parts that depend only on the catalogue, which never changes while the app runs: `key`
    names what else they depend on, and the script root their links start with is added to it.
    """
    cache = caches().fragments
    full_key = (template, request.script_root, *key)
    if full_key not in cache:
        cache[full_key] = Markup(render_template(template, **context()))
    return cache[full_key]


@bp.route("/")
def home():
    """The landing page; learners go straight to their course overview."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    return render_template("learning/home.html", modules=catalog().modules)


@bp.route("/course")
@login_required
def dashboard():
    """Every module in order with the learner's progress, the suggested next step and the cards due for review."""
    progress = course_progress(current_user, catalog())
    sync_cards(current_user.id)
    return render_template("learning/dashboard.html", progress=progress, next_step=progress.next_step(),
                           reviews=due_summary(current_user.id, review_clock()),
                           classes=class_deadlines(current_user, catalog()))


@bp.route("/modules/<module_id>")
@login_required
def module(module_id: str):
    """A module's objectives, lesson, sources and quiz status."""
    module = get_module(module_id)
    return render_module_page("learning/module.html", module, module_progress(current_user, catalog(), module.id))


@bp.route("/modules/<module_id>/lesson")
@login_required
def lesson(module_id: str):
    """The annotated lesson."""
    module = get_module(module_id)
    article = rendered_once("learning/_lesson_article.html", (module.id,),
                            lambda: dict(module=module, sources=module_sources(module), terms=lesson_terms(module)))
    return render_template("learning/lesson.html", module=module, progress=lesson_progress(current_user, module),
                           article=article)


@bp.route("/modules/<module_id>/lesson/read", methods=["POST"])
@login_required
def lesson_read(module_id: str):
    """Mark the lesson as read."""
    module = get_module(module_id)
    mark_read(current_user, module)
    flash("Lesson marked as read.", "success")
    return redirect(url_for("learning.module", module_id=module.id))


@bp.route("/sources")
@login_required
def sources():
    """The five source documents with their cards."""
    ordered = sorted(catalog().sources.values(), key=lambda s: s.year)
    return render_template("learning/sources.html", sources=ordered, catalog=catalog())


@bp.route("/sources/<source_id>")
@login_required
def reader(source_id: str):
    """A source with numbered paragraphs, the cited passage highlighted and margin notes."""
    source = get_source(source_id)
    highlight = request.args.get("hl", "")
    highlighted = catalog().passages[source.id].get(highlight)
    key = highlight if highlighted else ""  # a known passage, so the cache holds at most one page per quote

    def context():
        return dict(source=source, rows=reader_rows(catalog(), source, key), highlighted=highlighted,
                    modules={m.id: m for m in catalog().modules})
    return render_template("learning/reader.html", source=source,
                           body=rendered_once("learning/_reader_body.html", (source.id, key), context))


@bp.route("/glossary")
@login_required
def glossary():
    """Every term, its definition, and where it appears."""
    data = catalog()
    return render_template("learning/glossary.html", terms=data.glossary, uses=data.term_uses,
                           modules={m.id: m for m in data.modules})


@bp.route("/timeline")
@login_required
def timeline():
    """Dated events across the five sources, each linked to its passage."""
    return render_template("learning/timeline.html", events=catalog().timeline, sources=catalog().sources)
