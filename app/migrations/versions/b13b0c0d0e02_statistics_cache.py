"""statistics cache

Revision ID: b13b0c0d0e02
Revises: b15d0e0f0a04
Create Date: 2026-12-07 03:05:00

The kept sums of each module's statistics per basis, page and set of learners (app/instructor/kept.py),
and the index that finds a module's attempts submitted since the sums were last grown.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b13b0c0d0e02'
down_revision = 'b15d0e0f0a04'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statistics_cache',
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('basis', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('scope_digest', sa.String(length=64), nullable=False),
    sa.Column('sums', sa.JSON(), nullable=False),
    sa.Column('watermark', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('module_id', 'basis', 'kind', 'scope_digest', name=op.f('pk_statistics_cache'))
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_module_submitted', ['module_id', 'submitted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_module_submitted')
    op.drop_table('statistics_cache')
