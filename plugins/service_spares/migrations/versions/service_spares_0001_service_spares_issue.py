"""service_spares issue

Revision ID: service_spares_0001
Revises: (branch root; depends on service_0001 and spares_0001)
Create Date: 2026-11-30 17:20:00
"""
from alembic import op
import sqlalchemy as sa
import core.toolkit


revision = 'service_spares_0001'
down_revision = None
branch_labels = ('service_spares',)
depends_on = ('service_0001', 'spares_0001')


def upgrade():
    op.create_table('service_spares_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.toolkit.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['movement_id'], ['spares_movement.id'], name=op.f('fk_service_spares_issue_movement_id_spares_movement')),
    sa.ForeignKeyConstraint(['visit_id'], ['service_visit.id'], name=op.f('fk_service_spares_issue_visit_id_service_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_spares_issue')),
    sa.UniqueConstraint('movement_id', name=op.f('uq_service_spares_issue_movement_id'))
    )
    with op.batch_alter_table('service_spares_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_spares_issue_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('service_spares_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_spares_issue_visit_id'))

    op.drop_table('service_spares_issue')
