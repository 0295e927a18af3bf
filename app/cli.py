"""Command-line tools: `flask content check`, `flask users create|set-role|list|reset-password`."""
from collections import Counter

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
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


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
