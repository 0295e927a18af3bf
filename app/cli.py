"""Command-line tools: `flask content check|export`, `flask users create|set-role|list|reset-password`, `flask regrade`."""
from __future__ import annotations

from collections import Counter

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import IntegrityError

from app.content import catalog
from app.database import db_write
from app.extensions import db
from app.instructor.kept import forget_statistics
from app.models import ROLES, User

content_cli = AppGroup("content", help="Check the teaching content.")
users_cli = AppGroup("users", help="Manage accounts.")


@content_cli.command("check")
def content_check() -> None:
    """Validate every content file; problems stop the app from loading and are listed as file:line."""
    data = catalog()
    types = Counter(q.type for q in data.questions.values())
    annotations = sum(len(a) for a in data.annotations.values())
    click.echo(f"Content OK: {len(data.sources)} sources, {len(data.modules)} modules, "
               f"{len(data.questions)} questions ({', '.join(f'{t} {n}' for t, n in sorted(types.items()))}), "
               f"{annotations} annotations, {len(data.glossary)} glossary terms, {len(data.charts)} charts, "
               f"{len(data.timeline)} timeline events.")


EXPORT_SUFFIXES = {"moodle-xml": "-moodle.xml", "gift": "-gift.txt", "handout": "-handout.html"}


def export_text(module, export_format: str) -> tuple[str, tuple]:
    """The module's bank in one format, and the questions the format left out."""
    from app.content.export.gift import module_gift
    from app.content.export.moodle_xml import module_moodle_xml
    from app.instructor.exports import render_handout

    if export_format == "handout":
        return render_handout(module.id, for_file=True), ()
    exported = (module_moodle_xml if export_format == "moodle-xml" else module_gift)(module)
    return exported.text, exported.left_out


@content_cli.command("export")
@click.argument("module_id", required=False)
@click.option("--format", "export_format", type=click.Choice(list(EXPORT_SUFFIXES)), default="moodle-xml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=True, writable=True),
              help="File to write (a folder with --all); without it the export goes to standard output.")
@click.option("--all", "every_module", is_flag=True, help="Every module, one file each in the --output folder.")
def content_export(module_id: str | None, export_format: str, output: str | None, every_module: bool) -> None:
    """Export a module's questions as Moodle XML, GIFT or a printable HTML handout."""
    from pathlib import Path

    data = catalog()
    if every_module == bool(module_id):
        raise click.UsageError("name one MODULE or give --all")
    if every_module and not output:
        raise click.UsageError("--all writes one file per module: give the folder with -o")
    modules = data.modules if every_module else [data.module(module_id)]
    if modules[0] is None:
        raise click.BadParameter(f"no module {module_id!r} (use {', '.join(m.id for m in data.modules)})",
                                 param_hint="MODULE")
    for module in modules:
        text, left_out = export_text(module, export_format)
        for item in left_out:
            click.echo(f"{module.id}: left out {item.question_id}: {item.reason}", err=True)
        if every_module:
            Path(output).mkdir(parents=True, exist_ok=True)
            target = Path(output) / f"groundwork-{module.id}{EXPORT_SUFFIXES[export_format]}"
        else:
            target = Path(output) if output else None
        if target is None:
            click.echo(text, nl=False)
        else:
            target.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {target}", err=True)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown to others.")
@click.password_option(help="At least 8 characters; asked for when not given.")
def users_create(username: str, role: str, display_name: str, password: str) -> None:
    """Create an account (use --role instructor for an instructor)."""
    from app.auth.forms import USERNAME
    from app.auth.accounts import create_user

    if not USERNAME.regex.match(username) or not 3 <= len(username) <= 40:
        raise click.BadParameter("use 3-40 letters, digits, dots, hyphens or underscores", param_hint="username")
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    try:
        user = create_user(username, password, display_name, role)
    except IntegrityError:
        raise click.ClickException(f"the username {username!r} is taken")
    click.echo(f"Created {user.role} {user.username!r}.")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(username: str, role: str) -> None:
    """Change an existing account's role."""
    with db_write():
        user = db.session.scalar(User.named(username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        user.role = role
        forget_statistics()  # who counts as a learner changed: the kept statistics are counted again
    click.echo(f"{user.username!r} is now {role}.")


@users_cli.command("list")
def users_list() -> None:
    """List accounts and roles."""
    for user in db.session.scalars(sa.select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{user.display_name}")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--base-url", default="", metavar="URL",
              help="Where learners reach the site, e.g. https://groundwork.example; without it the path alone.")
def users_reset_password(username: str, base_url: str) -> None:
    """Print a one-time link (valid for a day) that sets the account's password."""
    from app.accounts.resets import LIFETIME, issue_reset

    user = db.session.scalar(User.named(username))
    if user is None or user.deleted_at is not None:
        raise click.ClickException(f"no user {username!r}")
    path = f"/reset/{issue_reset(user.id, issued_by=None)}"
    click.echo(f"One-time link for {user.username!r}, valid {LIFETIME.total_seconds() / 3600:.0f} hours:")
    click.echo(f"{base_url.rstrip('/')}{path}")


@click.command("regrade")
@click.argument("module_id", metavar="MODULE")
@click.option("--question", "question_id", metavar="ID", help="Only this question of the module.")
@click.option("--dry-run", is_flag=True, help="List the attempts whose score would change; write nothing.")
@with_appcontext
def regrade(module_id: str, question_id: str | None, dry_run: bool) -> None:
    """Grade the module's graded attempts again by the keys in the content now (after a key is corrected)."""
    from app.quiz.regrade import apply_regrade, plan_regrade

    module = catalog().module(module_id)
    if module is None:
        raise click.ClickException(f"no module {module_id!r}")
    if question_id is not None and question_id not in {q.id for q in module.questions}:
        raise click.ClickException(f"module {module_id!r} has no question {question_id!r}")
    plan = plan_regrade(module, question_id)
    if not dry_run:
        plan = apply_regrade(module, plan)
    verb = "Would regrade" if dry_run else "Regraded"
    click.echo(f"{verb} {len(plan.changes)} graded attempt(s) at {module.id}"
               + (" (dry run: nothing written)." if dry_run else "."))
    yes_no = lambda passed: "passed" if passed else "not passed"
    for change in plan.changes:
        questions = ", ".join(sorted({i.question_id for i in change.items}))
        click.echo(f"  {change.username}, attempt {change.number} (id {change.attempt_id}): "
                   f"{change.old_score:g}% → {change.new_score:g}%, {yes_no(change.old_passed)} → "
                   f"{yes_no(change.new_passed)} [{questions}]")
    for change in plan.lost:
        click.echo(f"  left alone: {change.username}, attempt {change.number} (id {change.attempt_id}): "
                   "its grade changed meanwhile (another regrade?); run again to see what is left.")
    for skipped in plan.skipped:
        click.echo(f"Skipped {skipped.question_id}: {skipped.reason}; "
                   f"{skipped.attempts} graded attempt(s) that asked it keep their grade.")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(regrade)
