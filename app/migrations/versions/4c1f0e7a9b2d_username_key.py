"""username key: usernames unique whatever their case or Unicode width

Revision ID: 4c1f0e7a9b2d
Revises: bcd58d28d98a
Create Date: 2026-12-01 10:00:00.000000

Accounts whose names already clash once case and width are ignored (e.g. 'race' and 'RACE',
made by concurrent registrations) are kept, and each clash is logged: the oldest account keeps
the plain key, so it logs in with its name as before; each newer one gets the key 'name#id',
which is what its owner types at login from now on ('#' cannot be part of a new username).
"""
import logging
import unicodedata
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c1f0e7a9b2d'
down_revision = 'bcd58d28d98a'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
users = sa.table("user", sa.column("id", sa.Integer), sa.column("username", sa.String),
                 sa.column("created_at", sa.DateTime), sa.column("username_key", sa.String))


def username_key(name: str) -> str:
    """A copy of app.models.username_key as it was when this migration was written."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())


def keys_for(rows) -> dict[int, str]:
    """Each account's key, oldest first within a clash; every clash is logged."""
    by_key = defaultdict(list)
    for user_id, username in rows:
        by_key[username_key(username)].append((user_id, username))
    keys = {}
    for key, accounts in by_key.items():
        (first_id, first_name), *newer = accounts
        keys[first_id] = key
        for user_id, username in newer:
            keys[user_id] = f"{key}#{user_id}"
        if newer:
            log.warning("username clash on %r: account %d (%r) keeps it; %s", key, first_id, first_name, "; ".join(
                f"account {user_id} ({username!r}) now logs in as {key}#{user_id!s}" for user_id, username in newer))
    return keys


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=255), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.username).order_by(users.c.created_at, users.c.id)).all()
    for user_id, key in keys_for(rows).items():
        bind.execute(sa.update(users).where(users.c.id == user_id).values(username_key=key))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_username_key'), ['username_key'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_username_key'), type_='unique')
        batch_op.drop_column('username_key')
