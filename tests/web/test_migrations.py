"""Schema migrations on data: 0001 → 0002 (upload role) → 0001 → head, SQLite and PostgreSQL.

Each database starts empty (a SQLite file, or a PostgreSQL schema of its own), is brought to
0001, filled with plain SQL as an 0001-era app would have written it, then migrated.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from webkit import Client, ClinicSeed

from kinechain.store import Base, Upload, Visit, make_engine, upgrade
from kinechain.store._db import (
    _alembic_config,
    current_revision,
    head_revision,
    session_factory,
    sqlite_url,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
WALK = SHARED / "c3d" / "biomechzoo" / "HC032A03.c3d"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "migrate.db")
        return
    base = str(request.getfixturevalue("pg_url")).split("?", 1)[0]
    schema = f"kc_mig_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


NOW = dt.datetime(2024, 5, 1, 9, 30)
# id: (kind, what it is in the 0001 data)
UPLOADS = {
    1: ("c3d", "the static trial of job 1"),
    2: ("c3d", "the walk of job 1"),
    3: ("trc", "uploaded as static, no job used it yet"),
    4: ("mot", "a walk whose job was deleted (MOT cannot be static)"),
}
EXPECTED_ROLES = {1: "static", 2: "walk", 3: "static", 4: "walk"}


def _fill_0001(conn: sa.Connection) -> None:
    x = conn.execute
    x(sa.text("INSERT INTO clinic (id, name, created_at) VALUES (1, 'C', :t)"), {"t": NOW})
    x(
        sa.text("INSERT INTO patient (id, clinic_id, name, created_at) VALUES (1, 1, 'P', :t)"),
        {"t": NOW},
    )
    x(
        sa.text(
            "INSERT INTO visit (id, clinic_id, patient_id, date, intake, program_edited, "
            "created_at, updated_at) VALUES (1, 1, 1, :d, '{}', false, :t, :t)"
        ),
        {"d": dt.date(2024, 5, 1), "t": NOW},
    )
    x(
        sa.text("INSERT INTO blob (sha256, size, kind, created_at) VALUES (:s, 10, 'c3d', :t)"),
        {"s": "a" * 64, "t": NOW},
    )
    for uid, (kind, _) in UPLOADS.items():
        x(
            sa.text(
                "INSERT INTO upload (id, clinic_id, visit_id, sha256, original_name, kind, size, "
                "created_at) VALUES (:id, 1, 1, :s, :n, :k, 10, :t)"
            ),
            {"id": uid, "s": "a" * 64, "n": f"file{uid}.{kind}", "k": kind, "t": NOW},
        )
    x(
        sa.text(
            "INSERT INTO job (id, clinic_id, visit_id, upload_id, static_upload_id, options, "
            "status, progress, stage, attempts, created_at) "
            "VALUES (1, 1, 1, 2, 1, '{}', 'done', 100, 'done', 1, :t)"
        ),
        {"t": NOW},
    )
    x(sa.text("UPDATE visit SET gait_job_id = 1 WHERE id = 1"))


def _roles(engine: sa.Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {
            int(r[0]): str(r[1])
            for r in conn.execute(sa.text("SELECT id, role FROM upload ORDER BY id"))
        }


def _upload_columns(engine: sa.Engine) -> list[str]:
    return [c["name"] for c in sa.inspect(engine).get_columns("upload")]


def _counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("clinic", "patient", "visit", "blob", "upload", "job")
        )


def test_upload_role_migration_up_down_up(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        assert "role" not in _upload_columns(engine)
        with engine.begin() as conn:
            _fill_0001(conn)

        upgrade(engine)
        assert current_revision(engine) == head_revision() == "0002"
        assert _roles(engine) == EXPECTED_ROLES
        assert _counts(engine) == (1, 1, 1, 1, 4, 1)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        # a row written without a role (an old app still running) is a walk
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO upload (id, clinic_id, visit_id, sha256, original_name, kind, "
                    "size, created_at) VALUES (5, 1, 1, :s, 'late.c3d', 'c3d', 10, :t)"
                ),
                {"s": "a" * 64, "t": NOW},
            )
        assert _roles(engine)[5] == "walk"
        # the ORM reads it
        with session_factory(engine)() as db:
            assert [(u.id, u.role) for u in db.query(Upload).order_by(Upload.id)] == [
                *EXPECTED_ROLES.items(),
                (5, "walk"),
            ]
            visit = db.get(Visit, 1)
            assert visit is not None and visit.gait_job_id == 1

        # down again: the column goes, nothing else (on SQLite a table rebuild with foreign
        # keys on would have cascade-deleted the job)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM upload WHERE id = 5"))
        command.downgrade(_alembic_config(engine), "0001")
        assert current_revision(engine) == "0001"
        assert "role" not in _upload_columns(engine)
        assert _counts(engine) == (1, 1, 1, 1, 4, 1)
        with engine.connect() as conn:
            job = conn.execute(sa.text("SELECT upload_id, static_upload_id FROM job")).one()
            assert tuple(job) == (2, 1)

        upgrade(engine)
        assert current_revision(engine) == "0002"
        assert _roles(engine) == EXPECTED_ROLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


# --- the role in the app -------------------------------------------------------------------


def _visit(app: Any, seed: ClinicSeed) -> int:
    with app.state.sessions() as db, db.begin():
        v = Visit(clinic_id=seed.clinic_id, patient_id=seed.patient_id, date=dt.date(2024, 5, 1))
        db.add(v)
        db.flush()
        return v.id


def _api_upload(c: Client, vid: int, name: str, **data: str) -> Any:
    return c.api(
        "POST",
        f"/api/v1/visits/{vid}/uploads",
        files={"file": (name, WALK.read_bytes())},
        data=data,
    )


def test_role_stored_listed_and_enforced(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    r = _api_upload(clinician, vid, "static.c3d", role="static")
    assert r.status_code == 201, r.text
    static = r.json()["upload"]
    assert static["role"] == "static" and r.json()["job"] is None
    r = _api_upload(clinician, vid, "walk.c3d", role="walk", static_upload_id=str(static["id"]))
    assert r.status_code == 201, r.text
    walk = r.json()["upload"]
    assert walk["role"] == "walk" and r.json()["job"]["static_upload_id"] == static["id"]
    listed = clinician.get(f"/api/v1/visits/{vid}/uploads").json()
    assert [(u["original_name"], u["role"]) for u in listed] == [
        ("static.c3d", "static"),
        ("walk.c3d", "walk"),
    ]
    # a walk (same C3D content) cannot serve as the static trial
    r = _api_upload(clinician, vid, "walk2.c3d", role="walk", static_upload_id=str(walk["id"]))
    assert r.status_code == 400
    assert r.json() == {
        "detail": "walk.c3d: this file was uploaded as a walking trial, not a static trial"
    }
    # the visit page offers the static trials by role: only static.c3d
    html = clinician.get(f"/visits/{vid}").text
    select = re.search(r'<select id="f-static_upload_id".*?</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [("", "none"), (str(static["id"]), "static.c3d")]
    assert "static trial ·" in html and "walking trial ·" in html
    with app.state.sessions() as db:
        assert [u.role for u in db.query(Upload).order_by(Upload.id)] == ["static", "walk"]
