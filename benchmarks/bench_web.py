"""Load test of the clinic web app on loopback: 50 concurrent users, SQLite and PostgreSQL.

For each database the app is seeded (one clinic, 50 patients with logins, each with an
assessed visit and program; the report visit also holds the analysed HC032A03 walk), started
as a real server (``kinechain serve``, separate process, no worker), and hammered by 50
concurrent signed-in users from this process (asyncio + httpx, one connection per user):

* ``closed``: each user sends the next request as soon as the previous answer arrives
  (the saturation case: latency = queueing);
* ``paced``: each user waits ``--think`` seconds between requests (a clinic's real use).

Pages: the clinician's assessment report (``/visits/{id}/report``: findings, chain, gait
curves against norms, program) and the patient's checklist (``/me``). Reported: requests per
second, p50 and p99 latency, errors. The load generator shares the 2 cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PG_URL = os.environ.get(
    "KINECHAIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "bench password 2026"
USERS = 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(settings: Any, users: int) -> dict[str, Any]:
    """One clinic, a clinician, ``users`` patients with logins, assessed visits, one gait job."""
    from kinechain.clinic import intake_template
    from kinechain.store import Clinic, Job, Patient, User, Visit, make_engine, session_factory
    from kinechain.store import upgrade as migrate
    from kinechain.store._blobs import BlobStore
    from kinechain.store._jobs import add_upload, enqueue
    from kinechain.store._visits import reassess
    from kinechain.store._worker import run_worker
    from kinechain.web._security import hash_password

    engine = make_engine(settings.db_url)
    migrate(engine)
    sessions = session_factory(engine)
    blobs = BlobStore(settings.files_dir)
    pw = hash_password(PASSWORD)
    with sessions() as db, db.begin():
        clinic = Clinic(name="Bench clinic")
        db.add(clinic)
        db.flush()
        db.add(
            User(
                clinic_id=clinic.id,
                email="clinician@bench.org",
                name="Clinician",
                role="clinician",
                password_hash=pw,
            )
        )
        visit_ids = []
        for i in range(users):
            p = Patient(
                clinic_id=clinic.id,
                name=f"Bench patient {i}",
                height_m=1.58,
                mass_kg=60.3,
                sex="male",
            )
            db.add(p)
            db.flush()
            db.add(
                User(
                    clinic_id=clinic.id,
                    email=f"p{i}@bench.org",
                    name=f"P{i}",
                    role="patient",
                    password_hash=pw,
                    patient_id=p.id,
                )
            )
            intake = intake_template(full=True)
            intake["patient"].update({"height_m": 1.58, "mass_kg": 60.3, "sex": "male"})
            intake["date"] = dt.date.today().isoformat()
            v = Visit(clinic_id=clinic.id, patient_id=p.id, date=dt.date.today(), intake=intake)
            db.add(v)
            db.flush()
            reassess(db, v)
            visit_ids.append(v.id)
        report_visit = db.get(Visit, visit_ids[0])
        assert report_visit is not None
        with (DATA / "c3d/biomechzoo/HC032A03.c3d").open("rb") as fh:
            walk = add_upload(
                db, blobs, report_visit, fh, "HC032A03.c3d", limit=1 << 30, user_id=None
            )
        with (DATA / "c3d/biomechzoo/HC032A01.c3d").open("rb") as fh:
            static = add_upload(
                db, blobs, report_visit, fh, "HC032A01.c3d", limit=1 << 30, user_id=None
            )
        enqueue(db, report_visit, walk, static_upload=static, options={"flat_foot": True})
    run_worker(settings, once=True)
    with sessions() as db:
        job = db.query(Job).one()
        assert job.status == "done", job.error
        v = db.get(Visit, visit_ids[0])
        assert v is not None and v.assessment is not None and v.gait_job_id == job.id
    engine.dispose()
    return {"report_visit": visit_ids[0], "users": users}


async def _login(client: httpx.AsyncClient, email: str) -> None:
    r = await client.post("/login", data={"email": email, "password": PASSWORD})
    if r.status_code != 303:
        raise RuntimeError(f"login {email}: {r.status_code}")


async def _user(
    client: httpx.AsyncClient,
    url: str,
    until: float,
    think: float,
    lat: list[float],
    errors: list[int],
) -> None:
    if think:  # users arrive spread over one think time, not all in the same instant
        await asyncio.sleep(think * secrets.randbelow(1000) / 1000)
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        r = await client.get(url)
        dt_ = time.perf_counter() - t0
        if r.status_code != 200:
            errors.append(r.status_code)
        else:
            lat.append(dt_)
        if think:
            await asyncio.sleep(think * (0.5 + secrets.randbelow(1000) / 1000))


async def scenario(
    base: str, emails: list[str], url: str, seconds: float, think: float
) -> dict[str, Any]:
    clients = [
        httpx.AsyncClient(
            base_url=base,
            timeout=30,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1),
        )
        for _ in emails
    ]
    try:
        for c, e in zip(clients, emails, strict=True):
            await _login(c, e)
        for c in clients:  # warm-up: one request each
            await c.get(url)
        lat: list[float] = []
        errors: list[int] = []
        t0 = time.perf_counter()
        await asyncio.gather(*(_user(c, url, t0 + seconds, think, lat, errors) for c in clients))
        wall = time.perf_counter() - t0
    finally:
        for c in clients:
            await c.aclose()
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [float("nan")] * 99
    return {
        "requests": len(lat),
        "errors": len(errors),
        "rps": len(lat) / wall,
        "p50_ms": 1e3 * q[49],
        "p99_ms": 1e3 * q[98],
    }


def run_backend(name: str, url: str | None, args: argparse.Namespace) -> list[dict[str, Any]]:
    from kinechain.web._security import set_hash_cost
    from kinechain.web._settings import Settings

    set_hash_cost(time_cost=1, memory_kib=1024)  # seeding only; the server uses the default
    tmp = Path(tempfile.mkdtemp(prefix=f"kc-bench-{name}-"))
    settings = Settings(data_dir=tmp / "data", database_url=url)
    settings.data_dir.mkdir(parents=True)
    info = seed(settings, USERS)
    port = _free_port()
    env = dict(os.environ, KINECHAIN_DATA=str(settings.data_dir))
    if url:
        env["KINECHAIN_DATABASE_URL"] = url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kinechain.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--processes",
            str(args.processes),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # loopback IP: the session cookie is not Secure-only there (see routes/_auth.py)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows = []
        pages = [
            ("report", f"/visits/{info['report_visit']}/report", ["clinician@bench.org"] * USERS),
            ("checklist", "/me", [f"p{i}@bench.org" for i in range(USERS)]),
        ]
        for page, path, emails in pages:
            for mode, think in (("closed", 0.0), ("paced", args.think)):
                res = asyncio.run(scenario(base, emails, path, args.seconds, think))
                res.update(db=name, page=page, mode=mode, users=USERS, think_s=think)
                rows.append(res)
                print(
                    f"{name:10} {page:9} {mode:6} {res['rps']:7.1f} req/s  "
                    f"p50 {res['p50_ms']:6.1f} ms  p99 {res['p99_ms']:6.1f} ms  "
                    f"errors {res['errors']}",
                    flush=True,
                )
        return rows
    finally:
        os.killpg(server.pid, 15)
        server.wait(20)


def _pg_schema_url() -> str | None:
    import sqlalchemy as sa

    from kinechain.store import make_engine

    try:
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS kc_bench CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA kc_bench"))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}): skipped")
        return None
    return f"{PG_URL}?options=-csearch_path%3Dkc_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--think", type=float, default=1.0, help="paced users' think time, s")
    parser.add_argument("--processes", type=int, default=1, help="server processes")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    print(
        f"web load test: {USERS} users, {args.seconds:.0f} s per case, "
        f"{args.processes} server processes, {os.cpu_count()} cores"
    )
    rows = run_backend("sqlite", None, args)
    pg = _pg_schema_url()
    if pg is not None:
        rows += run_backend("postgresql", pg, args)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
