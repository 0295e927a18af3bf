"""seminar leaderboard

Revision ID: b15d0e0f0a04
Revises: b14c0d0e0f03
Create Date: 2026-12-07 01:45:00.000000


A seminar's host may show a leaderboard of nicknames on the projector at the end; off by default,
so every existing seminar keeps showing its results without names.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b15d0e0f0a04'
down_revision = 'b14c0d0e0f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seminar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaderboard', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('seminar', schema=None) as batch_op:
        batch_op.drop_column('leaderboard')
