"""returns carry a filing number from the moment they are filed

Revision ID: rma_0002
Revises: rma_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'rma_0002'
down_revision = 'rma_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rma_rma', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filing_number', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_rma_rma_filing_number'), ['filing_number'])


def downgrade():
    with op.batch_alter_table('rma_rma', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_rma_rma_filing_number'), type_='unique')
        batch_op.drop_column('filing_number')
