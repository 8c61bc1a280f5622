"""saved filters: a user's named query strings per list page

Revision ID: core_0005_saved_filters
Revises: core_0004_chatter
"""
from alembic import op
import sqlalchemy as sa
import core.model_utils


revision = 'core_0005_saved_filters'
down_revision = 'core_0004_chatter'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('list_path', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('created_at', core.model_utils.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_saved_filter_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_saved_filter'))
    )
    with op.batch_alter_table('core_saved_filter', schema=None) as batch_op:
        batch_op.create_index('ix_core_saved_filter_user_list', ['user_id', 'list_path'], unique=False)


def downgrade():
    with op.batch_alter_table('core_saved_filter', schema=None) as batch_op:
        batch_op.drop_index('ix_core_saved_filter_user_list')
    op.drop_table('core_saved_filter')
