"""Backup and restore of a SQLite data folder (``kinechain db backup`` / ``db restore``).

A backup is one ``.tar.gz`` holding ``kinechain.db`` (a consistent snapshot taken with
SQLite's online backup API, safe while the server writes, WAL included), ``files/…`` (the
uploaded blobs) and ``manifest.json`` (version, Alembic revision, SHA-256 of every member,
row counts). It is written to a temporary file and renamed into place, so a crash never
leaves a half-written backup under the real name.

Restore checks the archive (manifest, checksums, no absolute paths, ``..`` or links),
extracts it next to the data folder, swaps it in (old files moved aside, then removed) and
runs the Alembic upgrade so a backup from an older version is migrated.
PostgreSQL databases are backed up with ``pg_dump``, not here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from kinechain.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kinechain.web._settings import Settings

MANIFEST = "manifest.json"
DB_NAME = "kinechain.db"
SCHEMA = "kinechain.backup/1"
_COUNTED = ("patient", "visit", "upload")
_CHUNK = 1 << 20


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(settings: Settings, what: str) -> Path:
    url = settings.db_url
    if not url.startswith("sqlite:///"):
        raise InputError(
            url.split("@")[-1],
            f"{what} works on the SQLite data folder only; back up PostgreSQL with pg_dump "
            "(and restore with pg_restore)",
        )
    return Path(url.removeprefix("sqlite:///"))


def _db_facts(path: Path) -> tuple[str | None, dict[str, int]]:
    """(Alembic revision, row counts) of a SQLite file, read without changing it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        counts = {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in _COUNTED
            if t in tables
        }
    finally:
        conn.close()
    return revision, counts


def _snapshot(src: Path, dest: Path) -> None:
    """Copy the live database ``src`` to ``dest`` with SQLite's online backup API."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def backup(settings: Settings, dest: Path | str, *, overwrite: bool = False) -> str:
    """Write a backup archive of the data folder to ``dest``; return a one-line summary."""
    from kinechain import __version__

    db_path = _sqlite_path(settings, "backup")
    dest = Path(dest)
    if not db_path.is_file():
        raise InputError(db_path, "no database to back up here (is --data right?)")
    if dest.exists() and not overwrite:
        raise InputError(dest, "already exists; pass --overwrite to replace it")
    if not dest.parent.is_dir():
        raise InputError(dest.parent, "folder does not exist")
    files_dir = settings.files_dir
    with tempfile.TemporaryDirectory(prefix=".kinechain-backup-", dir=dest.parent) as tmp:
        snap = Path(tmp) / DB_NAME
        _snapshot(db_path, snap)
        revision, counts = _db_facts(snap)
        files: dict[str, str] = {}
        if files_dir.is_dir():
            for path in sorted(files_dir.rglob("*.bin")):
                if path.is_file() and not path.is_symlink():
                    rel = path.relative_to(files_dir).as_posix()
                    files[rel] = _sha256_file(path)
        manifest: dict[str, Any] = {
            "schema": SCHEMA,
            "kinechain_version": __version__,
            "alembic_revision": revision,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": {"name": DB_NAME, "sha256": _sha256_file(snap)},
            "files": files,
            "counts": counts,
        }
        fd, part = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    data = json.dumps(manifest, indent=2).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(data)
                    info.mtime = int(dt.datetime.now().timestamp())
                    tar.addfile(info, io.BytesIO(data))
                    tar.add(snap, arcname=DB_NAME, recursive=False)
                    for rel in files:
                        tar.add(files_dir / rel, arcname=f"files/{rel}", recursive=False)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(part, dest)
        except BaseException:
            if os.path.exists(part):
                os.unlink(part)
            raise
    size_mb = dest.stat().st_size / 2**20
    count_text = ", ".join(f"{n} {t}s" for t, n in counts.items())
    return (
        f"backup written to {dest} ({size_mb:.1f} MB): {count_text}, {len(files)} files, "
        f"revision {revision}"
    )


def _member_name(name: str) -> str:
    """The member's normalised name, or raise if it could escape the target folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith(("/", "\\")) or ".." in path.parts or "\\" in name:
        raise InputError(None, f"unsafe path in the archive: {name!r}")
    return path.as_posix()


def _read_archive(src: Path, into: Path) -> dict[str, Any]:
    """Check and extract ``src`` into ``into``; return its manifest."""
    try:
        tar = tarfile.open(src, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(src, f"not a readable kinechain backup ({exc})") from None
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise InputError(src, f"archive is corrupt or truncated ({exc})") from None
        names: dict[str, tarfile.TarInfo] = {}
        for m in members:
            try:
                name = _member_name(m.name)
            except InputError as exc:
                raise InputError(src, exc.problem) from None
            if m.isdir():
                continue
            if not m.isfile():
                raise InputError(src, f"archive member {m.name!r} is a link or device: refused")
            if name != MANIFEST and name != DB_NAME and not name.startswith("files/"):
                raise InputError(src, f"unexpected member {m.name!r}: not a kinechain backup")
            names[name] = m
        if MANIFEST not in names:
            raise InputError(src, "no manifest.json: not a kinechain backup")
        if DB_NAME not in names:
            raise InputError(src, f"no {DB_NAME} in the archive")
        try:
            fh = tar.extractfile(names[MANIFEST])
            manifest = json.loads(fh.read() if fh else b"")
        except (ValueError, tarfile.TarError, OSError, EOFError) as exc:
            raise InputError(src, f"manifest.json is unreadable ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
            raise InputError(src, f"manifest.json is not a {SCHEMA} manifest")
        expected: dict[str, str] = {DB_NAME: str(manifest.get("database", {}).get("sha256"))}
        listed = manifest.get("files", {})
        if not isinstance(listed, dict):
            raise InputError(src, "manifest.json: 'files' must be an object")
        try:
            expected.update({f"files/{_member_name(str(k))}": str(v) for k, v in listed.items()})
        except InputError as exc:
            raise InputError(src, f"manifest.json: {exc.problem}") from None
        present = set(names) - {MANIFEST}
        if present != set(expected):
            extra = sorted(present - set(expected))[:3]
            missing = sorted(set(expected) - present)[:3]
            raise InputError(
                src, f"archive and manifest disagree (missing {missing}, unlisted {extra})"
            )
        for name, want in expected.items():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            try:
                source = tar.extractfile(names[name])
                if source is None:
                    raise InputError(src, f"cannot read member {name!r}")
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                raise InputError(src, f"archive is corrupt at {name!r} ({exc})") from None
            if digest.hexdigest() != want:
                raise InputError(src, f"checksum of {name!r} does not match the manifest")
    return manifest


def _known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from kinechain.store._db import _alembic_config

    if revision is None:
        return True
    script = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://")))
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False


_LIVE = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", "files")


def restore(settings: Settings, src: Path | str, *, force: bool = False) -> str:
    """Restore the backup ``src`` into the data folder; return a one-line summary."""
    from kinechain.store._db import make_engine, sqlite_url, upgrade

    db_path = _sqlite_path(settings, "restore")
    src = Path(src)
    if not src.is_file():
        raise InputError(src, "backup file not found")
    data_dir = db_path.parent
    if db_path.exists() and not force:
        raise InputError(
            db_path, "a database is already here; pass --force to replace it (stop the server)"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    files_name = settings.files_dir.name if settings.files_dir.parent == data_dir else "files"
    staging = Path(tempfile.mkdtemp(prefix=".kinechain-restore-", dir=data_dir.parent))
    aside = Path(tempfile.mkdtemp(prefix=".kinechain-old-", dir=data_dir.parent))
    try:
        manifest = _read_archive(src, staging)
        revision = manifest.get("alembic_revision")
        if not _known_revision(revision):
            raise InputError(
                src, f"backup is at revision {revision}, unknown to this kinechain: upgrade first"
            )
        (staging / "files").mkdir(exist_ok=True)
        for name in _LIVE:
            old = data_dir / (files_name if name == "files" else name)
            if old.exists():
                os.replace(old, aside / name)
        os.replace(staging / DB_NAME, db_path)
        os.replace(staging / "files", data_dir / files_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(aside, ignore_errors=True)
    engine = make_engine(sqlite_url(db_path))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    counts = manifest.get("counts", {})
    count_text = ", ".join(f"{n} {t}s" for t, n in counts.items())
    return (
        f"restored {src} (taken {manifest.get('created_at')}, kinechain "
        f"{manifest.get('kinechain_version')}) into {data_dir}: {count_text}, "
        f"{len(manifest.get('files', {}))} files"
    )


def orphan_blobs(db: Session, files_dir: Path) -> list[Path]:
    """Blob files on disk that no Upload refers to (left by a crash during a deletion).

    Run it with the server stopped: an upload in flight has its file before its row.
    """
    from sqlalchemy import select

    from kinechain.store._models import Upload

    used = set(db.scalars(select(Upload.sha256).distinct()))
    out = []
    if files_dir.is_dir():
        for path in sorted(files_dir.glob("??/*.bin")):
            sha = path.parent.name + path.stem
            if sha not in used:
                out.append(path)
    return out


def remove_orphan_blobs(db: Session, files_dir: Path) -> int:
    """Delete the files :func:`orphan_blobs` finds (and their Blob rows); return how many."""
    from sqlalchemy import delete, select

    from kinechain.store._models import Blob, Upload

    paths = orphan_blobs(db, files_dir)
    shas = [p.parent.name + p.stem for p in paths]
    if shas:
        db.execute(
            delete(Blob).where(
                Blob.sha256.in_(shas), Blob.sha256.not_in(select(Upload.sha256).distinct())
            )
        )
        db.commit()
    for p in paths:
        p.unlink(missing_ok=True)
    return len(paths)
