"""Backup and restore of the SQLite data folder (library and ``kinechain db`` CLI)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_export import populate
from typer.testing import CliRunner
from webkit import ClinicSeed, seed_clinic

from kinechain.cli import app as cli
from kinechain.errors import InputError
from kinechain.store import Base, Patient
from kinechain.store._backup import backup, restore
from kinechain.web import Settings, create_app


@pytest.fixture
def data(tmp_path: Path) -> Iterator[tuple[Settings, Any, ClinicSeed]]:
    settings = Settings(data_dir=tmp_path / "data")
    application = create_app(settings)
    seed = seed_clinic(application, "a")
    seed_clinic(application, "b")
    yield settings, application, seed
    application.state.engine.dispose()


def _counts(db_file: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_file)
    try:
        return {
            t.name: conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]
            for t in Base.metadata.sorted_tables
        }
    finally:
        conn.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_then_restore_brings_data_back(
    data: tuple[Settings, Any, ClinicSeed], tmp_path: Path
) -> None:
    settings, app, seed = data
    rec = populate(app, seed)
    db_file = settings.data_dir / "kinechain.db"
    before = _counts(db_file)
    dest = tmp_path / "backup.tar.gz"
    summary = backup(settings, dest)
    assert str(dest) in summary and "4 patients" in summary
    with tarfile.open(dest) as tar:
        names = set(tar.getnames())
        fh = tar.extractfile("manifest.json")
        assert fh is not None
        manifest = json.loads(fh.read())
    blob_rel = app.state.blobs.path(rec.sha256).relative_to(settings.files_dir).as_posix()
    assert names == {"manifest.json", "kinechain.db", f"files/{blob_rel}"}
    assert manifest["counts"] == {"patient": 4, "visit": 1, "upload": 1}
    assert manifest["files"] == {blob_rel: rec.sha256}
    assert manifest["alembic_revision"]
    # change and delete data, then restore
    with app.state.sessions() as db, db.begin():
        db.add(Patient(clinic_id=seed.clinic_id, name="Added after backup"))
    app.state.blobs.remove(rec.sha256)
    app.state.engine.dispose()
    with pytest.raises(InputError, match="--force"):
        restore(settings, dest)
    assert _counts(db_file)["patient"] == 5
    summary = restore(settings, dest, force=True)
    assert "restored" in summary
    assert _counts(db_file) == before
    assert app.state.blobs.path(rec.sha256).read_bytes() == rec.blob
    assert not list(tmp_path.glob(".kinechain-*")), "temporary folders left behind"
    # the restored folder serves the app again
    app2 = create_app(settings)
    with app2.state.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Patient)) == 4
    app2.state.engine.dispose()


def test_cli_backup_and_restore(data: tuple[Settings, Any, ClinicSeed], tmp_path: Path) -> None:
    settings, app, seed = data
    rec = populate(app, seed)
    app.state.engine.dispose()
    runner = CliRunner()
    dest = tmp_path / "b.tar.gz"
    r = runner.invoke(cli, ["db", "backup", str(dest), "--data", str(settings.data_dir)])
    assert r.exit_code == 0, r.output
    assert "backup written" in r.output
    r = runner.invoke(cli, ["db", "backup", str(dest), "--data", str(settings.data_dir)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    r = runner.invoke(
        cli, ["db", "backup", str(dest), "--data", str(settings.data_dir), "--overwrite"]
    )
    assert r.exit_code == 0, r.output
    fresh = tmp_path / "fresh"
    r = runner.invoke(cli, ["db", "restore", str(dest), "--data", str(fresh)])
    assert r.exit_code == 0, r.output
    assert _counts(fresh / "kinechain.db") == _counts(settings.data_dir / "kinechain.db")
    assert (fresh / "files" / rec.sha256[:2] / f"{rec.sha256[2:]}.bin").read_bytes() == rec.blob
    r = runner.invoke(cli, ["db", "restore", str(dest), "--data", str(fresh)])
    assert r.exit_code == 2 and "--force" in r.output
    r = runner.invoke(cli, ["db", "restore", str(tmp_path / "nope.tar.gz"), "--data", str(fresh)])
    assert r.exit_code == 2 and "backup file not found" in r.output
    assert "Traceback" not in r.output


def test_postgresql_is_refused(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://u@localhost/db")
    with pytest.raises(InputError, match="pg_dump"):
        backup(s, tmp_path / "x.tar.gz")
    with pytest.raises(InputError, match="pg_dump"):
        restore(s, tmp_path / "x.tar.gz")


def _repack(src: Path, dest: Path, change: Any) -> None:
    """Copy archive ``src`` to ``dest``, passing each member through ``change``."""
    with tarfile.open(src) as tin, tarfile.open(dest, "w:gz") as tout:
        for m in tin.getmembers():
            fh = tin.extractfile(m)
            content = fh.read() if fh else b""
            for name, data in change(m.name, content):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tout.addfile(info, io.BytesIO(data))


def _state(settings: Settings) -> dict[str, str]:
    return {
        p.relative_to(settings.data_dir).as_posix(): _sha(p)
        for p in sorted(settings.data_dir.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_corrupt_archives_are_refused_and_data_untouched(
    data: tuple[Settings, Any, ClinicSeed], tmp_path: Path
) -> None:
    settings, app, seed = data
    populate(app, seed)
    app.state.engine.dispose()
    good = tmp_path / "good.tar.gz"
    backup(settings, good)
    before = _state(settings)

    def flip_db(name: str, content: bytes) -> list[tuple[str, bytes]]:
        if name == "kinechain.db":
            content = content[:200] + bytes([content[200] ^ 0xFF]) + content[201:]
        return [(name, content)]

    def add_evil(name: str, content: bytes) -> list[tuple[str, bytes]]:
        out = [(name, content)]
        if name == "manifest.json":
            out.append(("../evil", b"escape"))
        return out

    def drop_manifest(name: str, content: bytes) -> list[tuple[str, bytes]]:
        return [] if name == "manifest.json" else [(name, content)]

    cases = {
        "flipped.tar.gz": (flip_db, "checksum of 'kinechain.db' does not match"),
        "evil.tar.gz": (add_evil, "unsafe path"),
        "nomanifest.tar.gz": (drop_manifest, "no manifest.json"),
    }
    for fname, (change, message) in cases.items():
        bad = tmp_path / fname
        _repack(good, bad, change)
        with pytest.raises(InputError, match=message) as err:
            restore(settings, bad, force=True)
        assert "\n" not in str(err.value)
        assert _state(settings) == before, fname
    assert not (tmp_path / "evil").exists()
    # a symbolic link member
    linked = tmp_path / "link.tar.gz"
    with tarfile.open(good) as tin, tarfile.open(linked, "w:gz") as tout:
        for m in tin.getmembers():
            tout.addfile(m, tin.extractfile(m))
        info = tarfile.TarInfo("files/aa/link.bin")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tout.addfile(info)
    with pytest.raises(InputError, match="link"):
        restore(settings, linked, force=True)
    # truncated and garbage files
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match=r"corrupt|not a readable"):
        restore(settings, truncated, force=True)
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"this is not an archive" * 10)
    with pytest.raises(InputError, match="not a readable kinechain backup"):
        restore(settings, garbage, force=True)
    assert _state(settings) == before
    assert not list(tmp_path.glob(".kinechain-*"))


def test_backup_while_another_connection_writes(
    data: tuple[Settings, Any, ClinicSeed], tmp_path: Path
) -> None:
    settings, app, seed = data
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with app.state.sessions() as db, db.begin():
                db.add(Patient(clinic_id=seed.clinic_id, name=f"Writer {i}"))
            i += 1
            written.append(i)

    t = threading.Thread(target=writer)
    t.start()
    try:
        snapshots = []
        for k in range(3):
            dest = tmp_path / f"live{k}.tar.gz"
            backup(settings, dest)
            snapshots.append(dest)
    finally:
        stop.set()
        t.join()
    assert len(written) > 0
    seen = []
    for k, dest in enumerate(snapshots):
        out = tmp_path / f"x{k}"
        with tarfile.open(dest) as tar:
            tar.extractall(out, filter="data")
            manifest = json.loads((out / "manifest.json").read_text())
        conn = sqlite3.connect(out / "kinechain.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = conn.execute("SELECT count(*) FROM patient").fetchone()[0]
        names = {r[0] for r in conn.execute("SELECT name FROM patient WHERE name LIKE 'Writer %'")}
        conn.close()
        # a consistent snapshot: every writer row up to the newest one, no gaps
        assert names == {f"Writer {i}" for i in range(n - 4)}
        assert manifest["counts"]["patient"] == n
        seen.append(n)
    assert seen == sorted(seen)
