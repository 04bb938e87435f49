"""rejected rows keep their reason as a code with parameters (texts in geo.vocab); the
reason text stays for runs recorded before (shown as it was)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rejected_row', sa.Column('code', sa.String(length=60), nullable=True))
    op.add_column('rejected_row', sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade() -> None:
    op.drop_column('rejected_row', 'params')
    op.drop_column('rejected_row', 'code')
