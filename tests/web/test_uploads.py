"""Uploads: type sniffed from the content, size limit, clear refusals, downloads, the API.

No analysis runs here (see test_worker.py); every web test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.requests import Request
from webkit import Client, ClinicSeed

from kinechain.errors import InputError
from kinechain.store import Blob, Job, Upload, Visit
from kinechain.store._jobs import NOT_MOTION, sniff_kind
from kinechain.web.routes._uploads import uploads_context

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
WALK = SHARED / "c3d" / "biomechzoo" / "HC032A03.c3d"
MOT = SHARED / "opensim" / "ik-test" / "std_subject01_walk1_ik.mot"
TRC_TEXT = b"PathFileType\t4\t(X/Y/Z)\twalk.trc\nDataRate\tCameraRate\n"


# --- sniffing (pure) -----------------------------------------------------------------------


def test_sniff_reads_the_content_not_the_name() -> None:
    head = WALK.read_bytes()[:65536]
    assert sniff_kind(head, "walk.c3d") == "c3d"
    assert sniff_kind(head, "renamed.txt") == "c3d"
    assert sniff_kind(TRC_TEXT, "markers.bin") == "trc"
    mot = MOT.read_bytes()[:65536]
    assert sniff_kind(mot, "ik.mot") == "mot"
    assert sniff_kind(mot, "ik.sto") == "sto"
    assert sniff_kind(mot, "ik") == "mot"
    assert sniff_kind(b"version=1\nOpenSimVersion=4.1\nendheader\ntime\tq\n", "x") == "sto"
    for data, name in (
        (b"hello, this is not motion data\n", "walk.c3d"),
        (b"%PDF-1.7\n" + bytes(600), "walk.c3d"),
        (b"\x02\x51" + bytes(1022), "walk.c3d"),  # wrong C3D key
        (b"\x00\x50" + bytes(1022), "walk.c3d"),  # no parameter block pointer
        (b"", "walk.trc"),
    ):
        with pytest.raises(InputError) as err:
            sniff_kind(data, name)
        assert str(err.value) == f"{name}: {NOT_MOTION}"


# --- pages ---------------------------------------------------------------------------------


def _visit(app: Any, seed: ClinicSeed) -> int:
    with app.state.sessions() as db, db.begin():
        v = Visit(clinic_id=seed.clinic_id, patient_id=seed.patient_id, date=dt.date(2024, 5, 1))
        db.add(v)
        db.flush()
        return v.id


def _post(c: Client, visit_id: int, name: str, data: bytes, **fields: str) -> Any:
    form = {"csrf_token": c.csrf, "role": "walk", "static_upload_id": ""} | fields
    return c.http.post(
        f"/visits/{visit_id}/uploads", data=form, files={"file": (name, data, "text/plain")}
    )


def _refusal(r: Any, visit_id: int) -> str:
    assert r.status_code == 303
    loc = urlsplit(r.headers["location"])
    assert loc.path == f"/visits/{visit_id}" and loc.fragment == "uploads"
    return str(parse_qs(loc.query)["upload_error"][0])


def _stored_files(app: Any) -> list[Path]:
    root = Path(app.state.settings.files_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _counts(app: Any) -> tuple[int, int, int]:
    with app.state.sessions() as db:
        return (db.query(Upload).count(), db.query(Blob).count(), db.query(Job).count())


def _partial(app: Any, visit_id: int, query: bytes, csrf: str = "tok") -> str:
    """The visit page's uploads section, rendered as the visit page includes it."""
    request = Request({"type": "http", "query_string": query, "headers": [], "app": app})
    with app.state.sessions() as db:
        visit = db.get(Visit, visit_id)
        assert visit is not None
        ctx = uploads_context(db, visit, request) | {"csrf_token": csrf}
        return str(app.state.templates.get_template("_visit_uploads.html").render(ctx))


def test_text_named_c3d_refused_with_message_nothing_stored(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    r = _post(clinician, vid, "<i onmouseover=x>walk.c3d", b"time,angle\n0,1\n")
    message = _refusal(r, vid)
    assert message == f"<i onmouseover=x>walk.c3d: {NOT_MOTION}"
    assert _counts(app) == (0, 0, 0) and _stored_files(app) == []
    html = _partial(
        app, vid, b"upload_error=" + r.headers["location"].split("=", 1)[1].split("#")[0].encode()
    )
    assert f"&lt;i onmouseover=x&gt;walk.c3d: {NOT_MOTION}" in html and "<i onmouseover" not in html
    # the visit page shows it beside the upload form, escaped, the visit intact
    page = clinician.get(r.headers["location"])
    assert page.status_code == 200
    assert f"&lt;i onmouseover=x&gt;walk.c3d: {NOT_MOTION}" in page.text
    assert "<i onmouseover" not in page.text and 'id="uploads"' in page.text
    # the message is cut to one line of at most 300 characters
    long = _partial(app, vid, b"upload_error=" + b"x" * 1000 + b"%0Ay")
    assert "x" * 298 in long and "x" * 300 not in long and "\ny" not in long


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.c3d", b"", "empty.c3d: the file is empty"),
        ("", b"data", "file: choose a file to upload"),
    ],
)
def test_empty_or_missing_file(
    app: Any,
    clinician: Client,
    two_clinics: tuple[ClinicSeed, ClinicSeed],
    name: str,
    data: bytes,
    expected: str,
) -> None:
    vid = _visit(app, two_clinics[0])
    assert _refusal(_post(clinician, vid, name, data), vid) == expected
    assert _counts(app) == (0, 0, 0) and _stored_files(app) == []


def test_size_limit(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    app.state.settings.max_upload_bytes = 2**20  # the walk is 1.2 MB
    message = _refusal(_post(clinician, vid, "HC032A03.c3d", WALK.read_bytes()), vid)
    assert message == "HC032A03.c3d: file is larger than the 1 MB upload limit"
    assert _counts(app) == (0, 0, 0) and _stored_files(app) == []
    r = clinician.api(
        "POST",
        f"/api/v1/visits/{vid}/uploads",
        files={"file": ("HC032A03.c3d", WALK.read_bytes())},
    )
    assert r.status_code == 413 and "upload limit" in r.json()["detail"]
    assert _counts(app) == (0, 0, 0) and _stored_files(app) == []


def test_c3d_renamed_bin_accepted_downloaded_as_sent(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    raw = WALK.read_bytes()
    r = _post(clinician, vid, "trial 3.bin", raw)
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{vid}#uploads"
    with app.state.sessions() as db:
        (u,) = db.query(Upload).all()
        (job,) = db.query(Job).all()
        assert (u.original_name, u.kind, u.size) == ("trial 3.bin", "c3d", len(raw))
        assert u.sha256 == "5ea57252da0d0f805019056424dddf88f21a22fc8ff45b49893b2bea50e5c4a9"
        assert job.upload_id == u.id and job.status == "queued"
        assert app.state.blobs.path(u.sha256).read_bytes() == raw
    d = clinician.get(f"/uploads/{u.id}/download")
    assert d.status_code == 200 and d.content == raw
    assert d.headers["content-type"] == "application/octet-stream"
    assert d.headers["content-disposition"] == "attachment; filename*=utf-8''trial%203.bin"
    assert d.headers["x-content-type-options"] == "nosniff"
    # the same content again is stored once, under two uploads
    assert _post(clinician, vid, "again.c3d", raw).status_code == 303
    assert _counts(app) == (2, 1, 2) and len(_stored_files(app)) == 1
    html = _partial(app, vid, b"")
    assert "trial 3.bin" in html and f'data-poll="/api/v1/jobs/{job.id}"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token" value="tok"' in html


def test_static_must_be_markers_and_belong_to_the_visit(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, _ = two_clinics
    vid, other_vid = _visit(app, a), _visit(app, a)
    msg = _refusal(_post(clinician, vid, "ik.mot", MOT.read_bytes(), role="static"), vid)
    assert msg == "ik.mot: a static trial must be a C3D or TRC file with markers"
    assert _counts(app) == (0, 0, 0) and _stored_files(app) == []
    # a MOT walk is fine (angles already computed)
    assert _post(clinician, vid, "ik.mot", MOT.read_bytes()).status_code == 303
    assert _post(clinician, other_vid, "s.c3d", WALK.read_bytes(), role="static").status_code == 303
    with app.state.sessions() as db:
        foreign = db.query(Upload).filter(Upload.visit_id == other_vid).one()
        assert db.query(Upload).filter(Upload.visit_id == vid).one().kind == "mot"
    msg = _refusal(
        _post(clinician, vid, "w.c3d", WALK.read_bytes(), static_upload_id=str(foreign.id)), vid
    )
    assert msg == "static_upload_id: no such static trial in this visit"
    assert _counts(app) == (2, 2, 1)
    html = _partial(app, other_vid, b"")
    assert f'<option value="{foreign.id}" selected>s.c3d</option>' in html


# --- API and access ------------------------------------------------------------------------


def test_api_upload_jobs_and_isolation(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, b = two_clinics
    c = Client(app).login(a.clinician.email)
    vid = _visit(app, a)
    r = c.api(
        "POST",
        f"/api/v1/visits/{vid}/uploads",
        files={"file": ("s.c3d", WALK.read_bytes())},
        data={"role": "static"},
    )
    assert r.status_code == 201, r.text
    static = r.json()["upload"]
    assert r.json()["job"] is None and static["kind"] == "c3d"
    r = c.api(
        "POST",
        f"/api/v1/visits/{vid}/uploads",
        files={"file": ("w.c3d", WALK.read_bytes())},
        data={"role": "walk", "static_upload_id": str(static["id"]), "flat_foot": "true"},
    )
    assert r.status_code == 201, r.text
    job = r.json()["job"]
    assert job["status"] == "queued" and job["options"] == {"flat_foot": True}
    assert job["static_upload_id"] == static["id"] and job["result"] is None
    got = c.get(f"/api/v1/jobs/{job['id']}").json()
    assert (got["status"], got["progress"], got["stage"]) == (
        "queued",
        0.0,
        "waiting for the worker",
    )
    assert [j["id"] for j in c.get(f"/api/v1/visits/{vid}/jobs").json()] == [job["id"]]
    assert [u["original_name"] for u in c.get(f"/api/v1/visits/{vid}/uploads").json()] == [
        "s.c3d",
        "w.c3d",
    ]
    r = c.api("POST", f"/api/v1/jobs/{job['id']}/rerun")
    assert r.status_code == 201 and r.json()["id"] != job["id"]
    assert r.json()["upload_id"] == job["upload_id"] and r.json()["status"] == "queued"
    bad = c.api("POST", f"/api/v1/visits/{vid}/uploads", files={"file": ("x.trc", b"not motion\n")})
    assert bad.status_code == 400 and bad.json() == {"detail": f"x.trc: {NOT_MOTION}"}

    # another clinic: 404 everywhere; a patient: 403; no CSRF token: 403
    other = Client(app).login(b.clinician.email)
    for url in (
        f"/api/v1/jobs/{job['id']}",
        f"/api/v1/visits/{vid}/jobs",
        f"/api/v1/visits/{vid}/uploads",
        f"/uploads/{static['id']}/download",
        f"/jobs/{job['id']}",
    ):
        assert other.get(url).status_code == 404, url
    r = other.api(
        "POST", f"/api/v1/visits/{vid}/uploads", files={"file": ("w.c3d", WALK.read_bytes())}
    )
    assert r.status_code == 404
    assert other.api("POST", f"/api/v1/jobs/{job['id']}/rerun").status_code == 404
    patient = Client(app).login(a.patient.email)
    assert patient.get(f"/api/v1/jobs/{job['id']}").status_code == 403
    assert _post(patient, vid, "w.c3d", WALK.read_bytes()).status_code == 403
    r = c.http.post(
        f"/visits/{vid}/uploads", data={"role": "walk"}, files={"file": ("w.c3d", b"x")}
    )
    assert r.status_code == 403
    assert _counts(app) == (2, 1, 2)
    assert "/api/v1/jobs/{job_id}" in c.get("/api/v1/openapi.json").json()["paths"]
