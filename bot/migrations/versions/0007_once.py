"""Updates whose effects are stored, so a redelivered update changes nothing.

Revision ID: 0007_once
Revises: 0006_calendar
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_once'
down_revision: str | None = '0006_calendar'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('handled_update',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )


def downgrade() -> None:
    op.drop_table('handled_update')
