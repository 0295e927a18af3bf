"""classes

Revision ID: 25f6eee72520
Revises: 5d2e8f1c7a30
Create Date: 2026-12-01 22:45:43.713152


Classes (app/classes/): a class list, its modules with due dates and review options, its
instructors, one-time password-reset links; a seminar may be held for a class; a deleted
account keeps its attempts. Existing learners are in no class until they join one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '25f6eee72520'
down_revision = '5d2e8f1c7a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('term', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('enrolment_open', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_course_class_created_by_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_class')),
    sa.UniqueConstraint('code', name=op.f('uq_course_class_code'))
    )
    with op.batch_alter_table('course_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_class_created_by'), ['created_by'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by'], ['user.id'], name=op.f('fk_password_reset_issued_by_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    op.create_table('class_instructor',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'co')", name=op.f('ck_class_instructor_role')),
    sa.ForeignKeyConstraint(['class_id'], ['course_class.id'], name=op.f('fk_class_instructor_class_id_course_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_class_instructor_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_class_instructor'))
    )
    with op.batch_alter_table('class_instructor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_instructor_user_id'), ['user_id'], unique=False)

    op.create_table('class_member',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['course_class.id'], name=op.f('fk_class_member_class_id_course_class'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_class_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_class_member'))
    )
    with op.batch_alter_table('class_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_member_user_id'), ['user_id'], unique=False)

    op.create_table('class_module',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('review_option', sa.String(length=16), nullable=False),
    sa.CheckConstraint("review_option IN ('immediately', 'once_passed', 'after_due', 'score_only')", name=op.f('ck_class_module_review_option')),
    sa.ForeignKeyConstraint(['class_id'], ['course_class.id'], name=op.f('fk_class_module_class_id_course_class'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('class_id', 'module_id', name=op.f('pk_class_module'))
    )
    with op.batch_alter_table('seminar', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_seminar_class_id'), ['class_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_seminar_class_id_course_class'), 'course_class', ['class_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('seminar', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_seminar_class_id_course_class'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_seminar_class_id'))
        batch_op.drop_column('class_id')

    op.drop_table('class_module')
    with op.batch_alter_table('class_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_member_user_id'))

    op.drop_table('class_member')
    with op.batch_alter_table('class_instructor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_instructor_user_id'))

    op.drop_table('class_instructor')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
    with op.batch_alter_table('course_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_class_created_by'))

    op.drop_table('course_class')
