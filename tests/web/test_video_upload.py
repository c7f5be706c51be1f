"""Phone videos in the clinic app: sniffed from the content, analysed by the worker.

The walking video is a short real clip cut from the shared ``demo.mp4`` (the woman walking
across the lower part of the frame, frames 40-199, lower 60 % of the frame at half size,
VP8 WebM written by OpenCV), so one pose run costs a few seconds. The worker runs once per
database; every job runs in its real child process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from webkit import Client, ClinicSeed

from kinechain.errors import InputError
from kinechain.io._results import clean_json
from kinechain.store import Blob, Job, Upload, Visit
from kinechain.store._jobs import NOT_MOTION, claim_next, sniff_kind, video_format
from kinechain.store._worker import _FrameProgress, _materialise, run_worker
from kinechain.video._walk import NOT_MEASURED, analyze_video

DEMO = Path(__file__).resolve().parents[3] / "shared" / "data" / "video" / "sports2d" / "demo.mp4"
EBML = b"\x1a\x45\xdf\xa3"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frames 40-199 of demo.mp4, lower 60 % of the frame, half size, VP8 WebM."""
    import cv2

    out = tmp_path_factory.mktemp("video") / "walk.webm"
    cap = cv2.VideoCapture(str(DEMO))
    fps = cap.get(cv2.CAP_PROP_FPS)
    writer = None
    i = 0
    try:
        while i < 200:
            ok, frame = cap.read()
            if not ok:
                break
            if i >= 40:
                h, w = frame.shape[:2]
                small = cv2.resize(frame[int(0.4 * h) :], (w // 2, (h - int(0.4 * h)) // 2))
                if writer is None:
                    size = (small.shape[1], small.shape[0])
                    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"VP80"), fps, size)
                writer.write(small)
            i += 1
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    assert i == 200 and out.read_bytes()[:4] == EBML
    return out


@pytest.fixture(scope="module")
def direct(clip: Path) -> dict[str, Any]:
    """The clip's metrics.json from the library directly, as ``kinechain analyze`` gives it."""
    return dict(clean_json(analyze_video(clip, height_m=1.65).metrics()))


# --- sniffing (pure) -----------------------------------------------------------------------


def test_videos_are_sniffed_from_the_content(clip: Path) -> None:
    mp4 = DEMO.read_bytes()[:65536]
    assert video_format(mp4) == "mp4"
    assert sniff_kind(mp4, "walk.c3d") == "video"  # an MP4 renamed .c3d is a video
    assert sniff_kind(mp4, "walk.trc") == "video"
    assert video_format(clip.read_bytes()[:64]) == "webm"
    assert sniff_kind(clip.read_bytes()[:65536], "walk.mot") == "video"
    # constructed container heads
    assert video_format(b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ") == "mov"
    assert video_format(b"\x00\x00\x00\x08wide\x00\x10\x00\x00mdat") == "mov"
    assert video_format(b"\x00\x00\x00\x01mdat" + bytes(8)) == "mov"
    assert video_format(EBML + b"\x9f\x42\x86\x81\x01\x42\x82\x88matroska") == "mkv"
    assert video_format(b"RIFF\x10\x00\x00\x00AVI LIST") == "avi"
    for head in (
        b"RIFF\x10\x00\x00\x00WAVEfmt ",  # audio
        b"for free trial of our app\n",  # text with a box name at bytes 4-8
        b"abcdftypisom\n",  # text: a box size of 1.6 GB for ftyp
        b"\x1a\x45\xdf",  # too short for the magic
    ):
        assert video_format(head) is None, head
    for data, name in (
        (b"this is a text file, not a video\n", "walk.mp4"),
        (b"for free trial of our app\n", "walk.mov"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(100), "walk.avi"),
    ):
        with pytest.raises(InputError) as err:
            sniff_kind(data, name)
        assert str(err.value) == f"{name}: {NOT_MOTION}"
    assert "video (MP4, MOV, WebM, AVI)" in NOT_MOTION


# --- pages ---------------------------------------------------------------------------------


def _visit(app: Any, seed: ClinicSeed) -> int:
    with app.state.sessions() as db, db.begin():
        v = Visit(clinic_id=seed.clinic_id, patient_id=seed.patient_id, date=dt.date(2024, 5, 1))
        db.add(v)
        db.flush()
        return v.id


def _post(c: Client, visit_id: int, name: str, data: bytes, **fields: str) -> Any:
    form = {"csrf_token": c.csrf, "role": "walk", "static_upload_id": ""} | fields
    files = {"file": (name, data, "application/octet-stream")}
    return c.http.post(f"/visits/{visit_id}/uploads", data=form, files=files)


def _refusal(r: Any, visit_id: int) -> str:
    assert r.status_code == 303
    loc = urlsplit(r.headers["location"])
    assert loc.path == f"/visits/{visit_id}" and loc.fragment == "uploads"
    return str(parse_qs(loc.query)["upload_error"][0])


def test_upload_form_offers_videos_and_refuses_fakes(
    app: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed], tmp_path: Path
) -> None:
    a, _ = two_clinics
    vid = _visit(app, a)
    page = clinician.get(f"/visits/{vid}").text
    assert "C3D, TRC, MOT, STO or a side-view video (MP4, MOV, WebM)" in page
    m = re.search(r'<input id="f-file"[^>]*accept="([^"]+)"', page)
    assert m is not None
    assert {".mp4", ".mov", ".webm", ".c3d", ".trc", ".mot", ".sto"} <= set(m.group(1).split(","))
    assert "The patient's height (1.65 m) gives the scale" in page

    # a text file named .mp4: refused beside the form, nothing stored
    r = _post(clinician, vid, "walk.mp4", b"just some text\n")
    assert _refusal(r, vid) == f"walk.mp4: {NOT_MOTION}"
    # a video is never a static trial
    mp4 = DEMO.read_bytes()
    r = _post(clinician, vid, "walk.mp4", mp4, role="static")
    assert _refusal(r, vid) == (
        "walk.mp4: a video cannot be a static trial: upload it as a walking trial"
    )
    with app.state.sessions() as db:
        assert (db.query(Upload).count(), db.query(Blob).count(), db.query(Job).count()) == (
            0,
            0,
            0,
        )
    files = Path(app.state.settings.files_dir)
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]

    # an MP4 named .c3d is taken as the video it is, queued without static trial or options
    # (even with a static trial chosen in the form, which a video does not use)
    r = _post(clinician, vid, "walk.c3d", mp4, flat_foot="1")
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{vid}#uploads"
    with app.state.sessions() as db:
        (up,) = db.query(Upload).all()
        (job,) = db.query(Job).all()
        assert (up.kind, up.role, up.original_name, up.size) == (
            "video",
            "walk",
            "walk.c3d",
            len(mp4),
        )
        assert up.sha256 == hashlib.sha256(mp4).hexdigest()
        assert (job.status, job.options, job.static_upload_id) == ("queued", {}, None)
        # the worker gives the decoder the suffix of the real container
        path = _materialise(app.state.blobs, up, tmp_path / "w")
        assert path.name == "walk.c3d.mp4" and path.read_bytes() == mp4
    page = clinician.get(f"/visits/{vid}").text
    assert "walk.c3d</a> · VIDEO · walking video" in page
    api = clinician.get(f"/api/v1/visits/{vid}/uploads").json()
    assert [(u["kind"], u["role"]) for u in api] == [("video", "walk")]


def test_pose_progress_is_throttled(
    app: Any, settings: Any, clinician: Client, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    vid = _visit(app, two_clinics[0])
    r = _post(clinician, vid, "walk.mp4", DEMO.read_bytes())
    assert r.status_code == 303
    job_id = claim_next(app.state.sessions, "test")
    assert job_id is not None
    progress = _FrameProgress(app.state.sessions, job_id)

    def stage() -> tuple[float, str]:
        with app.state.sessions() as db:
            job = db.get(Job, job_id)
            assert job is not None
            return job.progress, job.stage

    progress(1, 160)
    assert stage() == (pytest.approx(10 + 65 / 160), "pose estimation: frame 1 of 160")
    for i in range(2, 160):  # all within half a second of the first: none is written
        progress(i, 160)
    assert stage()[1] == "pose estimation: frame 1 of 160"
    progress.last -= 0.5  # half a second later
    progress(160, 160)
    assert stage() == (pytest.approx(75.0), "pose estimation: frame 160 of 160")


def test_video_walk_analysed_assessed_and_played(
    app: Any,
    settings: Any,
    clinician: Client,
    two_clinics: tuple[ClinicSeed, ClinicSeed],
    clip: Path,
    direct: dict[str, Any],
) -> None:
    a, b = two_clinics
    vid = _visit(app, a)  # Ann Example a: 1.65 m in the record
    r = _post(clinician, vid, "walk.webm", clip.read_bytes())
    assert r.status_code == 303 and r.headers["location"] == f"/visits/{vid}#uploads"
    with app.state.sessions() as db:
        (job,) = db.query(Job).filter(Job.visit_id == vid).all()
        job_id = job.id
    assert run_worker(settings, once=True) == 1
    with app.state.sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None
        assert job.status == "done", job.error
        assert job.progress == 100.0 and job.attempts == 1
        res, curves = job.result, job.curves
        visit = db.get(Visit, vid)
        assert visit is not None
        assert visit.gait_job_id == job_id and visit.assess_error is None
        assessment = visit.assessment
        derived = {
            u.original_name: (u.role, u.kind, u.sha256, u.size)
            for u in db.query(Upload).filter(Upload.role == "derived")
        }
    assert res is not None and curves is not None and assessment is not None

    # the result: the video metrics.json, the same as the library gives for this file
    assert res["schema"] == "kinechain.metrics/1" and res["model"] == "video_sagittal"
    assert res["source"] == "walk.webm" and res["video"]["file"] == "walk.webm"
    for key in ("spatiotemporal", "chain", "strides", "events", "scores", "not_measured"):
        assert res[key] == direct[key], key
    assert {k: v for k, v in res["video"].items() if k != "file"} == {
        k: v for k, v in direct["video"].items() if k != "file"
    }
    assert [m["measure"] for m in res["not_measured"]][: len(NOT_MEASURED)] == [
        m for m, _ in NOT_MEASURED
    ]
    assert res["video"]["n_frames"] == 160 and res["video"]["fps"] == 30.0
    assert res["video"]["scale_m_per_px"] is not None  # from the patient's height
    assert "from height 1.650 m" in res["video"]["scale_note"]
    for side in ("left", "right"):
        cadence = res["spatiotemporal"][side]["cadence"]["mean"]
        assert 90 <= cadence <= 130, (side, cadence)
        assert res["strides"][side] >= 2
    assert res["lumbar_load"] is None
    assert "kinechain-job-" not in str(res)  # no worker temporary path leaks

    # the curves: the sagittal variables the video has, none of the frontal plane
    assert {"ankle_dorsiflexion", "knee_flexion", "hip_flexion"} <= set(curves["variables"])
    assert not {"hip_adduction", "pelvic_obliquity", "knee_adduction"} & set(curves["variables"])
    assert len(curves["variables"]["knee_flexion"]["left"]["mean"]) == 101

    # the annotated video and the quality track: derived uploads of the visit
    files = curves["files"]
    webm, quality = files["annotated.webm"], files["quality.csv"]
    assert derived == {
        f"walk (analysis {job_id}) annotated.webm": (
            "derived",
            "video",
            webm["sha256"],
            webm["size"],
        ),
        f"walk (analysis {job_id}) quality.csv": (
            "derived",
            "csv",
            quality["sha256"],
            quality["size"],
        ),
    }
    blob = app.state.blobs.path(webm["sha256"]).read_bytes()
    assert blob[:4] == EBML and hashlib.sha256(blob).hexdigest() == webm["sha256"]
    qtext = app.state.blobs.path(quality["sha256"]).read_text()
    assert qtext.startswith("frame,time_s,subject_found,") and qtext.count("\n") == 161

    # the assessment uses the video gait analysis like a C3D one
    gait = assessment["gait"]
    assert gait is not None and gait["source"] == "walk.webm" and gait["model"] == "video_sagittal"
    assert assessment["lumbar_load"] is None

    # the page: the player, the video facts, what was not measured and why, the curves
    page = clinician.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    html = page.text
    assert f'<video controls preload="metadata" src="/jobs/{job_id}/annotated.webm"' in html
    assert "Walking video" in html and "Static trial" not in html
    assert "Not measured from one side view" in html
    assert "L5/S1 load needs 3D segment kinematics and ground reaction forces" in html
    assert "pronation (rearfoot eversion) is a frontal-plane rotation" in html
    assert "<td>Frames</td><td>160</td>" in html
    assert f"<td>Left/right swaps repaired</td><td>{res['video']['swaps']}</td>" in html
    assert f"<td>Frames below the confidence gate</td><td>{res['video']['gated_frames']} " in html
    assert "not measured: " not in html  # listed once, in the table
    assert html.count("<svg") >= 3 and "Knee flexion" in html
    assert f'href="/uploads/{quality["upload_id"]}/download">quality.csv' in html
    visit_page = clinician.get(f"/visits/{vid}").text
    assert "made by the analysis" in visit_page

    api = clinician.get(f"/api/v1/jobs/{job_id}").json()
    assert api["annotated_video"] == f"/jobs/{job_id}/annotated.webm"
    assert api["result"]["video"] == res["video"]

    # the annotated video: video/webm, whole or by HTTP range (seeking in the player)
    r = clinician.get(f"/jobs/{job_id}/annotated.webm")
    assert r.status_code == 200 and r.headers["content-type"] == "video/webm"
    assert r.content == blob and r.content[:4] == EBML
    assert r.headers["content-disposition"].startswith("inline")
    r = clinician.get(f"/jobs/{job_id}/annotated.webm", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == blob[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(blob)}"

    # another clinic, and a patient, get none of it
    other = Client(app).login(b.clinician.email)
    assert other.get(f"/jobs/{job_id}/annotated.webm").status_code == 404
    assert other.get(f"/jobs/{job_id}").status_code == 404
    patient = Client(app).login(a.patient.email)
    assert patient.get(f"/jobs/{job_id}/annotated.webm").status_code in {403, 404}
    # a motion-capture job (or a missing one) has no annotated video
    assert clinician.get("/jobs/999999/annotated.webm").status_code == 404

    # deleting the patient on request removes the annotated video and the quality track too
    r = clinician.post(f"/patients/{a.patient_id}/delete", {"confirm_name": "Ann Example a"})
    assert r.status_code == 303
    for entry in (webm, quality):
        assert not app.state.blobs.path(entry["sha256"]).exists()
    with app.state.sessions() as db:
        assert db.query(Upload).count() == 0 and db.query(Blob).count() == 0
