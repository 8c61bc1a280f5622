"""a line's damaged quantity and production date (carried to the return opened from the record)

Revision ID: logistics_0002
Revises: logistics_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'logistics_0002'
down_revision = 'logistics_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('logistics_exception_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('damaged_quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('production_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('logistics_exception_line', schema=None) as batch_op:
        batch_op.drop_column('production_date')
        batch_op.drop_column('damaged_quantity')
