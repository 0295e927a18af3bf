"""regrade records

Revision ID: b13a0c0d0e01
Revises: 25f6eee72520
Create Date: 2026-12-07 01:33:15.951453


Regrading (app/quiz/regrade.py, `flask regrade`): each regraded attempt's score before and after, and
each regraded item's fraction before and after with the question version whose key graded it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b13a0c0d0e01'
down_revision = '25f6eee72520'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('regrade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('regraded_at', sa.DateTime(), nullable=False),
    sa.Column('old_score', sa.Float(), nullable=False),
    sa.Column('new_score', sa.Float(), nullable=False),
    sa.Column('old_earned', sa.Float(), nullable=False),
    sa.Column('new_earned', sa.Float(), nullable=False),
    sa.Column('old_passed', sa.Boolean(), nullable=False),
    sa.Column('new_passed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_regrade_attempt_id_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regrade'))
    )
    with op.batch_alter_table('regrade', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regrade_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('regrade_item',
    sa.Column('regrade_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('key_version_id', sa.Integer(), nullable=False),
    sa.Column('old_fraction', sa.Float(), nullable=False),
    sa.Column('new_fraction', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_regrade_item_attempt_id_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['key_version_id'], ['question_version.id'], name=op.f('fk_regrade_item_key_version_id_question_version')),
    sa.ForeignKeyConstraint(['regrade_id'], ['regrade.id'], name=op.f('fk_regrade_item_regrade_id_regrade'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('regrade_id', 'position', name=op.f('pk_regrade_item')),
    sa.UniqueConstraint('attempt_id', 'position', 'key_version_id', name=op.f('uq_regrade_item_attempt_id'))
    )


def downgrade():
    op.drop_table('regrade_item')
    with op.batch_alter_table('regrade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regrade_attempt_id'))

    op.drop_table('regrade')
