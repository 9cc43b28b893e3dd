"""The overview's log indexes: a coordinator's latest entry, a partner's recent entries.

Revision ID: 0012_overview
Revises: 0011_credit
Create Date: 2026-11-29
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0012_overview'
down_revision: str | None = '0011_credit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_log_entry_author_occurred', 'log_entry', ['partnership_id', 'author_user_id', 'occurred_at']
    )
    op.create_index(
        'ix_log_entry_partner_occurred', 'log_entry', ['partnership_id', 'partner_id', 'occurred_at']
    )


def downgrade() -> None:
    op.drop_index('ix_log_entry_partner_occurred', table_name='log_entry')
    op.drop_index('ix_log_entry_author_occurred', table_name='log_entry')
