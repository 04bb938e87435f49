"""municipality settings: one instance serves several municipalities, each with its own area kinds
and coverage thresholds (stored, not constants)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'municipality_setting',
        sa.Column('code', sa.String(length=5), primary_key=True),
        sa.Column('title', sa.Text(), nullable=True),
        sa.Column('area_kinds', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
        sa.Column('thresholds', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
        sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("code ~ '^[0-9]{5}$'", name='ck_municipality_setting_code'),
    )


def downgrade() -> None:
    op.drop_table('municipality_setting')
