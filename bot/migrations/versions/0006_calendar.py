"""Schedules remember the day they start from, so "every two weeks" counts 14-day steps from it.

Revision ID: 0006_calendar
Revises: 0005
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_calendar'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_column('starts_on')
