"""chatter: comments with @mentions and attachments on any declared record

Revision ID: core_0004_chatter
Revises: core_0003

Chained after core_0002 on its own (another branch may add core_0003); the merge re-chains it.
"""
from alembic import op
import sqlalchemy as sa
import core.model_utils


revision = 'core_0004_chatter'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_chatter_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', core.model_utils.UTCDateTime(), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=True),
    sa.Column('attachment_ids', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['core_user.id'], name=op.f('fk_core_chatter_message_author_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_chatter_message'))
    )
    with op.batch_alter_table('core_chatter_message', schema=None) as batch_op:
        batch_op.create_index('ix_core_chatter_message_record', ['model', 'record_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('core_chatter_message', schema=None) as batch_op:
        batch_op.drop_index('ix_core_chatter_message_record')
    op.drop_table('core_chatter_message')
