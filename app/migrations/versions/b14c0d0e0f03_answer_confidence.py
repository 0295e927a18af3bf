"""answer confidence

Revision ID: b14c0d0e0f03
Revises: b13a0c0d0e01
Create Date: 2026-12-07 02:00:00.000000

How sure the learner said they were of each answer (50 to 100 per cent), where the module asks
(`confidence: true` in its lesson's front matter); null everywhere else, and for every existing answer.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b14c0d0e0f03'
down_revision = 'b13a0c0d0e01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_attempt_item_confidence'), 'confidence BETWEEN 50 AND 100')


def downgrade():
    with op.batch_alter_table('attempt_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attempt_item_confidence'), type_='check')
        batch_op.drop_column('confidence')
