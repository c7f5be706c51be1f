"""The analysis worker on real files: results, the visit's assessment, crashes, restarts.

Every job runs in a real child process (``python -m kinechain.store._worker --job ID``), on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from webkit import Client, ClinicSeed

from kinechain._pipeline import analyze_file
from kinechain.io._results import clean_json
from kinechain.store import Job, Upload, Visit, utcnow
from kinechain.store._jobs import GAVE_UP, requeue_stale
from kinechain.store._worker import run_worker

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "c3d" / "biomechzoo"
WALK = DATA / "HC032A03.c3d"
STATIC = DATA / "HC032A01.c3d"


@pytest.fixture(scope="module")
def direct() -> dict[str, Any]:
    """metrics.json computed by the library directly, as ``kinechain analyze`` does."""
    a = analyze_file(WALK, static=STATIC, flat_foot=True)
    return dict(clean_json(a.metrics()))


def _visit(app: Any, seed: ClinicSeed) -> int:
    with app.state.sessions() as db, db.begin():
        v = Visit(clinic_id=seed.clinic_id, patient_id=seed.patient_id, date=dt.date(2024, 5, 1))
        db.add(v)
        db.flush()
        return v.id


def _form_upload(c: Client, visit_id: int, path: Path, name: str, **fields: str) -> Any:
    data = {"csrf_token": c.csrf, "role": "walk", "static_upload_id": ""} | fields
    files = {"file": (name, path.read_bytes(), "application/octet-stream")}
    return c.http.post(f"/visits/{visit_id}/uploads", data=data, files=files)


def _jobs(app: Any, visit_id: int) -> list[Job]:
    with app.state.sessions() as db:
        return list(db.query(Job).filter(Job.visit_id == visit_id).order_by(Job.id))


def _job(app: Any, job_id: int) -> Job:
    with app.state.sessions() as db:
        job: Job | None = db.get(Job, job_id)
        assert job is not None
        return job


def test_upload_analyse_report_and_rerun(
    app: Any, settings: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], direct: dict[str, Any]
) -> None:
    a, b = two_clinics
    c = Client(app).login(a.clinician.email)
    vid = _visit(app, a)
    r = _form_upload(c, vid, STATIC, "HC032A01.c3d", role="static")
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{vid}#uploads"
    with app.state.sessions() as db:
        static_id = db.query(Upload.id).filter(Upload.visit_id == vid).scalar()
    r = _form_upload(c, vid, WALK, "HC032A03.c3d", static_upload_id=str(static_id), flat_foot="1")
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{vid}#uploads"
    (job,) = _jobs(app, vid)
    assert job.status == "queued" and job.static_upload_id == static_id
    assert job.options == {"flat_foot": True}

    # queued: the page polls the API for progress and works without JS
    page = c.get(f"/jobs/{job.id}").text
    assert f'data-poll="/api/v1/jobs/{job.id}"' in page and "<noscript>" in page
    assert c.get(f"/api/v1/jobs/{job.id}").json()["status"] == "queued"

    assert run_worker(settings, once=True) == 1
    job = _job(app, job.id)
    assert job.status == "done", job.error
    assert (
        job.progress == 100.0 and job.attempts == 1 and job.version == direct["kinechain_version"]
    )
    res = job.result
    assert res is not None
    for key in ("spatiotemporal", "chain", "scores", "events", "strides", "calibration"):
        assert res[key] == direct[key], key
    assert res["lumbar_load"] == direct["lumbar_load"]
    assert res["source"] == "HC032A03.c3d" and res["static"] == "HC032A01.c3d"
    assert res["chain"]["left"]["peak_stance_dorsiflexion"]["value"] == pytest.approx(
        14.048101021375954, abs=0
    )
    curves = job.curves
    assert curves is not None
    knee = curves["variables"]["knee_flexion"]
    assert len(knee["left"]["mean"]) == 101 and len(knee["norm"]["mean"]) == 101
    assert curves["foot_off"]["left"] == pytest.approx(60.84, abs=0.005)

    # the visit now uses this analysis, and its assessment was recomputed with it
    with app.state.sessions() as db:
        visit = db.get(Visit, vid)
        assert visit is not None
        assert visit.gait_job_id == job.id and visit.assessment is not None
        assert visit.assessment["gait"] is not None
        from kinechain._assess import assess
        from kinechain.clinic import parse_intake

        intake = parse_intake({"schema": "kinechain.intake/1", "date": "2024-05-01"}, source="test")
        expected = assess(intake, direct, gait_source=f"analysis {job.id}").to_dict()
        assert visit.assessment["lumbar_load"] == expected["lumbar_load"]
        assert visit.assessment["chain"] == expected["chain"]

    # the analysis page: tables and the curves as inline SVG (no XML prolog)
    r = c.get(f"/jobs/{job.id}")
    assert r.status_code == 200
    html = r.text
    assert html.count("<svg") >= 5 and "<?xml" not in html
    assert "Ankle dorsiflexion" in html and "norm ± 1 SD" in html
    assert "1.141" in html and "1.189" in html  # speed left / right (m/s)
    assert "Peak dorsiflexion in stance" in html and "14.0" in html
    assert "740 N" in html  # peak L5/S1 compression
    assert "Re-run analysis" in html

    api = c.get(f"/api/v1/jobs/{job.id}").json()
    assert api["status"] == "done" and api["result"]["spatiotemporal"] == direct["spatiotemporal"]

    # re-run through the page form: a new job, same inputs, identical result
    r = c.post(f"/jobs/{job.id}/rerun")
    assert r.status_code == 303
    new_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert new_id != job.id
    assert run_worker(settings, once=True) == 1
    new = _job(app, new_id)
    assert new.status == "done" and new.result == job.result and new.curves == job.curves
    assert (new.upload_id, new.static_upload_id, new.options) == (
        job.upload_id,
        job.static_upload_id,
        job.options,
    )
    with app.state.sessions() as db:
        visit = db.get(Visit, vid)
        assert visit is not None and visit.gait_job_id == new_id
    listed = c.get(f"/api/v1/visits/{vid}/jobs").json()
    assert [j["id"] for j in listed] == [new_id, job.id]
    assert all(j["result"] is None for j in listed)

    # another clinic sees none of it
    other = Client(app).login(b.clinician.email)
    for url in (f"/api/v1/jobs/{job.id}", f"/api/v1/visits/{vid}/jobs"):
        assert other.get(url).status_code == 404
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/uploads/{static_id}/download").status_code == 404
    assert other.api("POST", f"/api/v1/jobs/{job.id}/rerun").status_code == 404
    assert other.post(f"/jobs/{job.id}/rerun").status_code == 404
    assert len(_jobs(app, vid)) == 2


def _truncated_c3d(tmp_path: Path) -> Path:
    raw = WALK.read_bytes()
    param_block = raw[0]
    n_blocks = raw[(param_block - 1) * 512 + 2]
    cut = (param_block - 1 + n_blocks) * 512
    bad = tmp_path / "broken.c3d"
    bad.write_bytes(raw[:cut])  # header and parameters, no data
    return bad


def test_malformed_file_fails_one_line_and_visit_intact(
    app: Any,
    settings: Any,
    clinician: Client,
    two_clinics: tuple[ClinicSeed, ClinicSeed],
    tmp_path: Path,
) -> None:
    vid = _visit(app, two_clinics[0])
    assert _form_upload(clinician, vid, STATIC, "static.c3d", role="static").status_code == 303
    bad = _truncated_c3d(tmp_path)
    r = _form_upload(clinician, vid, bad, "broken.c3d")
    assert r.status_code == 303 and "upload_error" not in r.headers["location"]
    assert run_worker(settings, once=True) == 1
    (job,) = _jobs(app, vid)
    assert job.status == "failed" and job.error
    assert "\n" not in job.error and job.error.startswith("broken.c3d: ")
    assert "kinechain-job-" not in job.error
    assert "Traceback" not in job.error
    page = clinician.get(f"/jobs/{job.id}").text
    assert "The analysis failed" in page
    with app.state.sessions() as db:
        visit = db.get(Visit, vid)
        assert visit is not None and visit.gait_job_id is None
        ups = db.query(Upload).filter(Upload.visit_id == vid).order_by(Upload.id).all()
        assert [u.original_name for u in ups] == ["static.c3d", "broken.c3d"]
        for u in ups:
            assert app.state.blobs.path(u.sha256).is_file()


def test_stale_job_requeued_then_done_and_given_up_after_three(
    app: Any, settings: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    for _ in range(2):
        r = clinician.api(
            "POST",
            f"/api/v1/visits/{vid}/uploads",
            files={"file": ("HC032A03.c3d", WALK.read_bytes())},
            data={"role": "walk"},
        )
        assert r.status_code == 201, r.text
    first, second = _jobs(app, vid)
    old = utcnow() - dt.timedelta(hours=1)
    with app.state.sessions() as db, db.begin():
        for jid, attempts in ((first.id, 1), (second.id, 3)):
            j = db.get(Job, jid)
            assert j is not None
            j.status, j.attempts, j.heartbeat_at, j.worker = "running", attempts, old, "gone:1"
    # a job with a fresh heartbeat is left alone
    assert requeue_stale(app.state.sessions, 3600 * 2) == []
    assert requeue_stale(app.state.sessions, 30) == [first.id, second.id]
    assert _job(app, first.id).status == "queued"
    gave_up = _job(app, second.id)
    assert gave_up.status == "failed" and gave_up.error == GAVE_UP
    # a restarted worker picks the requeued job up and completes it
    with app.state.sessions() as db, db.begin():
        j = db.get(Job, first.id)
        assert j is not None
        j.status, j.heartbeat_at = "running", old
    assert run_worker(settings, once=True) == 1
    done = _job(app, first.id)
    assert done.status == "done" and done.attempts == 2
    assert _job(app, second.id).status == "failed"


def test_child_killed_does_not_stop_the_worker(
    app: Any, settings: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    for _ in range(2):
        assert _form_upload(clinician, vid, WALK, "HC032A03.c3d").status_code == 303
    victim, survivor = _jobs(app, vid)
    stop = threading.Event()
    ran: list[int] = []
    worker = threading.Thread(
        target=lambda: ran.append(run_worker(settings, stop=stop, poll_s=0.05)), daemon=True
    )
    worker.start()
    killed = None
    deadline = time.monotonic() + 30
    while killed is None and time.monotonic() < deadline:
        w = _job(app, victim.id).worker or ""
        if " child " in w:
            killed = int(w.rsplit(" child ", 1)[1])
            os.kill(killed, signal.SIGKILL)
        else:
            time.sleep(0.005)
    assert killed is not None, "the worker never started a child process"
    while time.monotonic() < deadline and _job(app, survivor.id).status in {"queued", "running"}:
        time.sleep(0.05)
    stop.set()
    worker.join(30)
    assert not worker.is_alive() and ran == [2]
    failed = _job(app, victim.id)
    assert failed.status == "failed" and "SIGKILL" in (failed.error or "")
    assert "\n" not in (failed.error or "")
    assert _job(app, survivor.id).status == "done"
    with app.state.sessions() as db:
        visit = db.get(Visit, vid)
        assert visit is not None and visit.gait_job_id == survivor.id
