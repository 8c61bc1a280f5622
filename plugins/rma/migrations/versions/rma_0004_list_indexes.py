"""Indexes for the RMA lists at a million lines (issue 8).

- ``(dealer_id, id)``: a dealer's list (``dealer_id = ? ORDER BY id DESC LIMIT 50``) reads the
  page straight from the index on PostgreSQL, and an agent's (``dealer_id IN (agent and its
  distributors)``) sorts only ids taken from the index, never its whole rows. (SQLite's index on
  ``dealer_id`` already carries the rowid; there it is redundant but harmless.)
- ``created_at``: a date-range filter (``date_from``/``date_to``) no longer walks every newer
  return through the primary key.

Revision ID: rma_0004_list_indexes
Revises: rma_0003
"""
from alembic import op


revision = 'rma_0004_list_indexes'
down_revision = 'rma_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_rma_rma_dealer_id_id', 'rma_rma', ['dealer_id', 'id'], unique=False)
    op.create_index('ix_rma_rma_created_at', 'rma_rma', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_rma_rma_created_at', table_name='rma_rma')
    op.drop_index('ix_rma_rma_dealer_id_id', table_name='rma_rma')
