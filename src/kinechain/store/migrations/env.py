"""Alembic environment: the engine comes from ``kinechain.store._db`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from kinechain.store._models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when alembic is run by hand
    from kinechain.store._db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
