"""the return shipment back to the returning unit; the technician's findings per line

Revision ID: rma_0003
Revises: rma_0002
"""
from alembic import op
import sqlalchemy as sa
import core.toolkit


revision = 'rma_0003'
down_revision = 'rma_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rma_rma', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_boxes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_carrier', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('return_tracking', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('return_contents', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('returned_at', core.toolkit.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('return_received_at', core.toolkit.UTCDateTime(), nullable=True))
    with op.batch_alter_table('rma_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('findings', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('rma_line', schema=None) as batch_op:
        batch_op.drop_column('findings')
    with op.batch_alter_table('rma_rma', schema=None) as batch_op:
        for name in ('return_received_at', 'returned_at', 'return_contents', 'return_tracking', 'return_carrier',
                     'return_boxes'):
            batch_op.drop_column(name)
