"""Chargeback activity entries: "proposed" becomes "spares_rma.proposed".

The bare id collided with the RMA plugin's penalty "proposed" (one label was lost), so
chargebacks now log a prefixed id; entries written before keep reading as
"chargeback proposed" once renamed here.

Revision ID: spares_rma_0002
Revises: spares_rma_0001
"""
from alembic import op

revision = 'spares_rma_0002'
down_revision = 'spares_rma_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE core_activity SET action = 'spares_rma.proposed' "
               "WHERE action = 'proposed' AND model = 'spares_rma_chargeback'")


def downgrade():
    op.execute("UPDATE core_activity SET action = 'proposed' "
               "WHERE action = 'spares_rma.proposed' AND model = 'spares_rma_chargeback'")
