"""hardening: session generation per user, login throttle counters, idempotency keys

Revision ID: core_0003
Revises: core_0002
"""
from alembic import op
import sqlalchemy as sa
import core.model_utils


revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
    op.create_table('core_throttle',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('window', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', core.model_utils.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window', name=op.f('pk_core_throttle'))
    )
    with op.batch_alter_table('core_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_throttle_expires_at'), ['expires_at'], unique=False)
    op.create_table('core_idempotency_key',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', core.model_utils.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.model_utils.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_core_idempotency_key_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_core_idempotency_key'))
    )
    with op.batch_alter_table('core_idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_idempotency_key_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('core_idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_idempotency_key_expires_at'))
    op.drop_table('core_idempotency_key')
    with op.batch_alter_table('core_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_throttle_expires_at'))
    op.drop_table('core_throttle')
    with op.batch_alter_table('core_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
