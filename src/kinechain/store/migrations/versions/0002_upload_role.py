"""upload role: walk or static

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Before this revision a static trial was only told apart by being some job's static trial
(or a C3D/TRC upload that no job analyses: every walk upload queued a job). The data
migration marks those uploads ``static``; all others stay ``walk``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a column with a default needs no table rebuild on SQLite either.
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="walk", nullable=False)
        )
    op.execute(
        sa.text(
            "UPDATE upload SET role = 'static' "
            "WHERE id IN (SELECT static_upload_id FROM job WHERE static_upload_id IS NOT NULL) "
            "OR (kind IN ('c3d', 'trc') AND id NOT IN (SELECT upload_id FROM job))"
        )
    )


def downgrade() -> None:
    # recreate="never": on SQLite a batch rebuild drops and re-creates ``upload``, and with
    # foreign keys on, dropping it would cascade-delete every job. SQLite >= 3.35 drops the
    # column in place.
    with op.batch_alter_table("upload", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("role")
