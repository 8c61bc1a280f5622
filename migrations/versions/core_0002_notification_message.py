"""notifications keep their message id and arguments (rendered in the reader's language)

Revision ID: core_0002
Revises: core_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('core_notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('core_notification', schema=None) as batch_op:
        batch_op.drop_column('message')
