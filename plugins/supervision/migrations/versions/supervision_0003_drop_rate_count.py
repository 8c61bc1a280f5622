"""the public suggestion form counts per address with the core throttle (core_throttle)

Revision ID: supervision_0003
Revises: supervision_0002
"""
from alembic import op
import sqlalchemy as sa


revision = 'supervision_0003'
down_revision = 'supervision_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('supervision_rate_count')


def downgrade():
    op.create_table('supervision_rate_count',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window', name=op.f('pk_supervision_rate_count'))
    )
