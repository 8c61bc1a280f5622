"""indexes for the lists' filter and order: the queue by state, a dealer's records, newest received first

Revision ID: logistics_0003
Revises: logistics_0002
"""
from alembic import op


revision = 'logistics_0003'
down_revision = 'logistics_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_logistics_exception_state_received', 'logistics_exception', ['state', 'received_on', 'id'])
    op.create_index('ix_logistics_exception_dealer_received', 'logistics_exception', ['dealer_id', 'received_on', 'id'])


def downgrade():
    op.drop_index('ix_logistics_exception_dealer_received', table_name='logistics_exception')
    op.drop_index('ix_logistics_exception_state_received', table_name='logistics_exception')
