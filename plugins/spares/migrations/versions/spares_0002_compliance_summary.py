"""spares compliance summary: one row per dealer (fill it with `aftersales spares rebuild-compliance`)

Revision ID: spares_0002
Revises: spares_0001
Create Date: 2026-12-01 00:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'spares_0002'
down_revision = 'spares_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spares_compliance',
    sa.Column('dealer_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('obliged', sa.Integer(), nullable=False),
    sa.Column('compliant', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_id', name=op.f('pk_spares_compliance'))
    )


def downgrade():
    op.drop_table('spares_compliance')
