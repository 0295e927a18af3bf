"""The question bank outside the app: Moodle XML and GIFT downloads and a printable handout, per module."""
from pathlib import Path

from flask import Response, current_app, render_template

from app.auth.access import instructor_required
from app.content import catalog
from app.content.export.gift import module_gift
from app.content.export.handout import handout_questions
from app.content.export.moodle_xml import module_moodle_xml
from app.instructor import bp
from app.lookups import get_module

def download(text: str, mimetype: str, filename: str) -> Response:
    """A file to save, not to show (security.py adds Cache-Control: no-store)."""
    response = Response(text, content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def handout_css() -> str:
    return (Path(current_app.static_folder) / "css" / "handout.css").read_text(encoding="utf-8")


def render_handout(module_id: str, for_file: bool = False) -> str:
    """The handout page; a file (the CLI's) carries its stylesheet inside, a served page links it."""
    module = get_module(module_id)
    return render_template("instructor/handout.html", module=module, questions=handout_questions(module),
                           inline_css=handout_css() if for_file else None)


@bp.route("/export")
@instructor_required
def exports():
    """Every module with its downloads, and what GIFT cannot hold."""
    modules = [(module, module_gift(module).left_out, module_moodle_xml(module).left_out)
               for module in catalog().modules]
    return render_template("instructor/exports.html", modules=modules)


@bp.route("/export/<module_id>/moodle.xml")
@instructor_required
def export_moodle_xml(module_id: str):
    """The module's bank as Moodle XML, to import into a Moodle course's question bank."""
    module = get_module(module_id)
    return download(module_moodle_xml(module).text, "application/xml", f"groundwork-{module.id}-moodle.xml")


@bp.route("/export/<module_id>/gift.txt")
@instructor_required
def export_gift(module_id: str):
    """The module's bank as GIFT, without the questions GIFT cannot express (listed at the top of the file)."""
    module = get_module(module_id)
    return download(module_gift(module).text, "text/plain", f"groundwork-{module.id}-gift.txt")


@bp.route("/export/<module_id>/handout")
@instructor_required
def export_handout(module_id: str):
    """The module's questions to print, then the answer key with explanations and evidence on a new page."""
    return render_handout(module_id)
