"""The course: overview and progress, modules, lessons, the source reader, glossary and timeline."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.content import catalog
from app.content.model import Module, Source
from app.learning import bp
from app.learning.progress import course_progress, lesson_progress, mark_read, module_progress
from app.learning.reader import reader_rows


def get_module(module_id: str) -> Module:
    """:raise 404: when no module has this id."""
    return catalog().module(module_id) or abort(404, description="There is no such module.")


def get_source(source_id: str) -> Source:
    """:raise 404: when no source has this id."""
    return catalog().sources.get(source_id) or abort(404, description="There is no such source.")


def render_module_page(template: str, module: Module, progress):
    """A page about one module, with the learner's progress and the module's sources."""
    sources = [catalog().sources[sid] for sid in module.source_ids]
    return render_template(template, module=module, progress=progress, sources=sources)


@bp.route("/")
def home():
    """The landing page; learners go straight to their course overview."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    return render_template("learning/home.html", modules=catalog().modules)


@bp.route("/course")
@login_required
def dashboard():
    """Every module in order with the learner's progress and the suggested next step."""
    progress = course_progress(current_user, catalog())
    return render_template("learning/dashboard.html", progress=progress, next_step=progress.next_step())


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
    return render_module_page("learning/lesson.html", module, lesson_progress(current_user, module))


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
    rows = source_rows(source, highlight if highlighted else "")
    modules = {m.id: m for m in catalog().modules}
    return render_template("learning/reader.html", source=source, rows=rows, highlighted=highlighted,
                           modules=modules)


def source_rows(source: Source, highlight_key: str) -> list:
    """The reader's rows for a source with this passage highlighted, rendered once per process.

    They depend only on the catalogue, which never changes while the app runs, and on the
    highlighted passage (one of the source's cited passages, or none).
    """
    cache = current_app.extensions.setdefault("groundwork_reader_rows", {})
    key = (request.script_root, source.id, highlight_key)
    if key not in cache:
        cache[key] = reader_rows(catalog(), source, highlight_key)
    return cache[key]


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
