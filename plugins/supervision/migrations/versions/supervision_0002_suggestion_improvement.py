"""a suggestion taken as an improvement keeps the improvement record's reference and link

Revision ID: supervision_0002
Revises: supervision_0001
"""
from alembic import op
import sqlalchemy as sa


revision = 'supervision_0002'
down_revision = 'supervision_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('supervision_suggestion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('improvement_ref', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('improvement_url', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('supervision_suggestion', schema=None) as batch_op:
        batch_op.drop_column('improvement_url')
        batch_op.drop_column('improvement_ref')
