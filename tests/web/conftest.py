"""Web app fixtures: the same tests run on SQLite and on a real PostgreSQL.

PostgreSQL is taken from ``KINECHAIN_TEST_PG_URL`` (default: the machine's server on
127.0.0.1:5432, database ``test``). When it cannot be reached, the PostgreSQL variants are
skipped with a message saying so; SQLite always runs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webkit import _PG_SKIP, PG_URL, Client, ClinicSeed, seed_clinic

from kinechain.store import Base, make_engine, upgrade
from kinechain.web import Settings, create_app
from kinechain.web._security import set_hash_cost

_PG_SCHEMA = f"kc_test_{os.getpid()}_{secrets.token_hex(3)}"


def pytest_report_header(config: Any) -> str:
    return "web tests: SQLite + " + ("PostgreSQL " + PG_URL if _PG_SKIP is None else _PG_SKIP)


@pytest.fixture(scope="session", autouse=True)
def _cheap_hash() -> Iterator[None]:
    # argon2id stays argon2id; only its cost is lowered so the suite stays fast.
    set_hash_cost(time_cost=1, memory_kib=1024)
    yield


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if _PG_SKIP is not None:
        pytest.skip(_PG_SKIP)
    import sqlalchemy as sa

    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {_PG_SCHEMA}"))
    url = f"{PG_URL}?options=-csearch_path%3D{_PG_SCHEMA}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {_PG_SCHEMA} CASCADE"))
    admin.dispose()


def _truncate(url: str) -> None:
    import sqlalchemy as sa

    engine = make_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        _truncate(url)
        return Settings(data_dir=tmp_path / "data", database_url=url)
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def two_clinics(app: Any) -> tuple[ClinicSeed, ClinicSeed]:
    return seed_clinic(app, "a"), seed_clinic(app, "b")


@pytest.fixture
def clinician(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> Client:
    return Client(app).login(two_clinics[0].clinician.email)
