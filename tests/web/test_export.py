"""Export (JSON, CSV, FHIR R4) and deletion on request — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from webkit import Client, ClinicSeed

from kinechain import __version__
from kinechain.clinic import intake_template
from kinechain.store import (
    AuditEntry,
    Blob,
    ExerciseLog,
    Job,
    PainLog,
    Patient,
    QuestionnaireResponse,
    Upload,
    User,
    UserSession,
    Visit,
)
from kinechain.store._visits import reassess
from kinechain.web._fhir import LOINC, LOINC_SYSTEM, UCUM_SYSTEM

# A small metrics.json (kinechain.metrics/1) as the worker stores it.
METRICS: dict[str, Any] = {
    "schema": "kinechain.metrics/1",
    "spatiotemporal": {
        "left": {
            "cadence": {"unit": "steps/min", "mean": 115.88, "n": 3},
            "speed": {"unit": "m/s", "mean": 1.141, "n": 3},
        },
        "right": {"cadence": {"unit": "steps/min", "mean": 114.08, "n": 3}},
        "overall": {"step_length": {"unit": "m", "mean": 0.594, "n": 6}},
    },
}


@dataclass
class Record:
    """Ids of one patient's populated record."""

    patient_id: int
    visit_id: int
    upload_id: int
    job_id: int
    sha256: str
    blob: bytes
    exercise_log_id: int
    pain_log_id: int
    response_id: int


def populate(app: Any, seed: ClinicSeed, *, patient_id: int | None = None) -> Record:
    """Give a patient of ``seed`` a visit (intake + assessment), an upload, an analysis, logs."""
    pid = patient_id or seed.patient_id
    blob = f"C3D test content for patient {pid} of clinic {seed.clinic_id}".encode()
    sha = app.state.blobs.put_bytes(blob)
    with app.state.sessions() as db, db.begin():
        intake = intake_template(full=True)
        intake["date"] = "2025-01-15"
        visit = Visit(
            clinic_id=seed.clinic_id, patient_id=pid, date=dt.date(2025, 1, 15), intake=intake
        )
        db.add(visit)
        db.flush()
        reassess(db, visit, today=dt.date(2025, 1, 15))
        if db.get(Blob, sha) is None:
            db.add(Blob(sha256=sha, size=len(blob), kind="c3d"))
            db.flush()
        upload = Upload(
            clinic_id=seed.clinic_id,
            visit_id=visit.id,
            sha256=sha,
            original_name="walk 03.c3d",
            kind="c3d",
            size=len(blob),
        )
        db.add(upload)
        db.flush()
        job = Job(
            clinic_id=seed.clinic_id,
            visit_id=visit.id,
            upload_id=upload.id,
            status="done",
            progress=100.0,
            stage="done",
            result=METRICS,
            version=__version__,
        )
        ex = ExerciseLog(
            clinic_id=seed.clinic_id,
            patient_id=pid,
            date=dt.date(2025, 1, 20),
            exercise_id="calf_stretch",
            completed=True,
            pain_nprs=3,
        )
        pain = PainLog(
            clinic_id=seed.clinic_id, patient_id=pid, date=dt.date(2025, 1, 21), nprs=4, note="ok"
        )
        resp = QuestionnaireResponse(
            clinic_id=seed.clinic_id, patient_id=pid, data={"nprs": 5}, visit_id=visit.id
        )
        db.add_all([job, ex, pain, resp])
        db.flush()
        return Record(pid, visit.id, upload.id, job.id, sha, blob, ex.id, pain.id, resp.id)


def test_export_json_holds_what_is_stored(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, _ = two_clinics
    rec = populate(app, a)
    r = clinician.get(f"/patients/{a.patient_id}/export.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    doc = r.json()
    assert doc["schema"] == "kinechain.patient-export/1"
    assert dt.datetime.fromisoformat(doc["exported_at"]).tzinfo is not None
    assert doc["patient"]["name"] == "Ann Example a" and doc["patient"]["mass_kg"] == 62.0
    (visit,) = doc["visits"]
    assert visit["id"] == rec.visit_id and visit["date"] == "2025-01-15"
    assert visit["intake"]["tests"]["wblt_cm"] == {"left": 6.0, "right": 11.5}
    assert visit["intake"]["tests"]["df_knee_extended_deg"] == {"left": 0, "right": 12}
    assert visit["assessment"]["schema"] == "kinechain.assessment/1"
    assert visit["program"] == visit["assessment"]["program"]
    (up,) = visit["uploads"]
    assert up == {
        "id": rec.upload_id,
        "original_name": "walk 03.c3d",
        "role": "walk",
        "kind": "c3d",
        "size": len(rec.blob),
        "sha256": rec.sha256,
        "created_at": up["created_at"],
    }
    (job,) = visit["analyses"]
    assert job["status"] == "done" and job["version"] == __version__
    assert job["result"] == METRICS
    assert doc["exercise_logs"][0]["exercise_id"] == "calf_stretch"
    assert doc["exercise_logs"][0]["pain_nprs"] == 3
    assert doc["pain_logs"][0] == {
        "date": "2025-01-21",
        "nprs": 4,
        "note": "ok",
        "created_at": doc["pain_logs"][0]["created_at"],
    }
    assert doc["questionnaire_responses"][0]["data"] == {"nprs": 5}
    assert [x["email"] for x in doc["logins"]] == [a.patient.email]
    assert "argon2" not in r.text and "password" not in r.text
    with app.state.sessions() as db:
        n = db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "export", AuditEntry.patient_id == a.patient_id)
        )
    assert n == 1


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_csv_long_format(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, _ = two_clinics
    rec = populate(app, a)
    r = clinician.get(f"/patients/{a.patient_id}/export.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.text.splitlines()[0] == "date,source,measure,side,value,unit"
    rows = _csv_rows(r.text)

    def find(measure: str, side: str = "") -> list[dict[str, str]]:
        return [x for x in rows if x["measure"] == measure and x["side"] == side]

    (wblt_left,) = find("wblt_cm", "left")
    assert wblt_left == {
        "date": "2025-01-15",
        "source": f"visit {rec.visit_id} intake",
        "measure": "wblt_cm",
        "side": "left",
        "value": "6.0",
        "unit": "cm",
    }
    assert find("wblt_cm", "right")[0]["value"] == "11.5"
    assert find("thomas_positive", "left")[0]["value"] == "yes"
    assert find("height_m")[0]["value"] == "1.65" and find("mass_kg")[0]["unit"] == "kg"
    assert find("odi_percent")[0]["value"] == "26.67"
    assert find("rmdq_score")[0]["value"] == "5"
    (cad_left,) = find("gait_cadence", "left")
    assert cad_left["value"] == "115.88" and cad_left["unit"] == "steps/min"
    assert cad_left["source"] == f"analysis {rec.job_id}"
    assert find("gait_step_length")[0]["value"] == "0.594"
    pain = [x for x in find("pain_nprs") if x["source"] == "pain log"]
    assert pain == [
        {
            "date": "2025-01-21",
            "source": "pain log",
            "measure": "pain_nprs",
            "side": "",
            "value": "4",
            "unit": "0-10",
        }
    ]
    assert find("exercise_pain_nprs")[0]["value"] == "3"
    assert all(set(x) == {"date", "source", "measure", "side", "value", "unit"} for x in rows)


def test_export_fhir_bundle(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, _ = two_clinics
    populate(app, a)
    r = clinician.get(f"/patients/{a.patient_id}/export.fhir.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    b = r.json()
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    first = b["entry"][0]
    assert first["resource"]["resourceType"] == "Patient"
    assert first["resource"]["gender"] == "female"
    assert first["resource"]["name"] == [{"text": "Ann Example a"}]
    observations = [e["resource"] for e in b["entry"][1:]]
    assert observations and all(o["resourceType"] == "Observation" for o in observations)
    verified = {c.code: c for c in LOINC.values()}
    by_code: dict[str, list[dict[str, Any]]] = {}
    for o in observations:
        assert o["status"] == "final"
        assert o["subject"] == {"reference": first["fullUrl"]}
        (coding,) = o["code"]["coding"]
        assert coding["system"] == LOINC_SYSTEM and coding["code"] in verified
        assert o["valueQuantity"]["system"] == UCUM_SYSTEM
        assert o["valueQuantity"]["code"] == verified[coding["code"]].ucum
        assert o["category"][0]["coding"][0]["code"] in {"vital-signs", "survey"}
        dt.date.fromisoformat(o["effectiveDateTime"][:10])
        by_code.setdefault(coding["code"], []).append(o)
    (weight,) = by_code["29463-7"]
    assert weight["valueQuantity"]["value"] == 62.0 and weight["valueQuantity"]["unit"] == "kg"
    (height,) = by_code["8302-2"]
    assert height["valueQuantity"]["value"] == 165.0 and height["valueQuantity"]["code"] == "cm"
    (bmi,) = by_code["39156-5"]
    assert bmi["valueQuantity"]["value"] == round(62.0 / 1.65**2, 2)
    (odi,) = by_code["97909-6"]
    assert odi["valueQuantity"]["value"] == 26.67 and odi["effectiveDateTime"] == "2025-01-15"
    pains = sorted(
        (o["effectiveDateTime"], o["valueQuantity"]["value"]) for o in by_code["72514-3"]
    )
    assert pains == [("2025-01-15", 6.0), ("2025-01-21", 4.0)]
    # measures without a verified code (gait, clinical tests) stay out
    assert "cadence" not in r.text and "wblt" not in r.text


def test_export_api_formats_and_access(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, b = two_clinics
    populate(app, a)
    url = f"/api/v1/patients/{a.patient_id}/export"
    assert clinician.api("GET", url).json()["schema"] == "kinechain.patient-export/1"
    r = clinician.api("GET", url + "?format=csv")
    assert r.status_code == 200 and "wblt_cm" in r.text
    assert clinician.api("GET", url + "?format=fhir").json()["resourceType"] == "Bundle"
    assert clinician.api("GET", url + "?format=xml").status_code == 422
    other = Client(app).login(b.clinician.email)
    assert other.api("GET", url).status_code == 404
    assert other.get(f"/patients/{a.patient_id}/export.json").status_code == 404
    patient = Client(app).login(a.patient.email)
    assert patient.get(f"/patients/{a.patient_id}/export.csv").status_code == 403


def _counts(app: Any, pid: int) -> dict[str, int]:
    with app.state.sessions() as db:
        visit_ids = select(Visit.id).where(Visit.patient_id == pid)
        user_ids = select(User.id).where(User.patient_id == pid)
        q = {
            "patient": select(func.count()).select_from(Patient).where(Patient.id == pid),
            "visit": select(func.count()).select_from(Visit).where(Visit.patient_id == pid),
            "upload": select(func.count())
            .select_from(Upload)
            .where(Upload.visit_id.in_(visit_ids)),
            "job": select(func.count()).select_from(Job).where(Job.visit_id.in_(visit_ids)),
            "exercise_log": select(func.count())
            .select_from(ExerciseLog)
            .where(ExerciseLog.patient_id == pid),
            "pain_log": select(func.count()).select_from(PainLog).where(PainLog.patient_id == pid),
            "questionnaire_response": select(func.count())
            .select_from(QuestionnaireResponse)
            .where(QuestionnaireResponse.patient_id == pid),
            "user": select(func.count()).select_from(User).where(User.patient_id == pid),
            "session": select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id.in_(user_ids)),
        }
        return {k: int(db.scalar(v) or 0) for k, v in q.items()}


def test_delete_on_request_removes_everything(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, b = two_clinics
    rec = populate(app, a)
    rec_b = populate(app, b)
    Client(app).login(a.patient.email)  # the patient has a live session
    before = _counts(app, a.patient_id)
    assert all(before.values()), before
    before_b = _counts(app, b.patient_id)
    blob_path = app.state.blobs.path(rec.sha256)
    assert blob_path.read_bytes() == rec.blob

    page = clinician.get(f"/patients/{a.patient_id}/delete")
    assert page.status_code == 200 and 'name="confirm_name"' in page.text
    r = clinician.post(f"/patients/{a.patient_id}/delete", {"confirm_name": "Ann Exampel"})
    assert r.status_code == 400
    assert 'id="e-confirm_name"' in r.text and 'value="Ann Exampel"' in r.text
    assert _counts(app, a.patient_id) == before

    r = clinician.post(f"/patients/{a.patient_id}/delete", {"confirm_name": " ann  example A "})
    assert r.status_code == 303
    page = clinician.get(r.headers["location"]).text
    assert 'id="deleted"' in page and "Ann Example a" not in page
    assert _counts(app, a.patient_id) == dict.fromkeys(before, 0)
    assert not blob_path.exists()
    with app.state.sessions() as db:
        assert db.get(Blob, rec.sha256) is None
        entries = list(
            db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "delete", AuditEntry.patient_id == a.patient_id
                )
            )
        )
    assert len(entries) == 1 and entries[0].user_id == a.clinician.user_id
    assert "Ann" not in (entries[0].detail or "")
    # clinic B untouched, its file kept
    assert _counts(app, b.patient_id) == before_b
    assert app.state.blobs.path(rec_b.sha256).read_bytes() == rec_b.blob
    assert clinician.get(f"/patients/{a.patient_id}").status_code == 404


def test_delete_keeps_content_shared_with_another_upload(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, _ = two_clinics
    rec = populate(app, a)
    with app.state.sessions() as db, db.begin():
        v = Visit(clinic_id=a.clinic_id, patient_id=a.other_patient_id, date=dt.date(2025, 2, 1))
        db.add(v)
        db.flush()
        db.add(
            Upload(
                clinic_id=a.clinic_id,
                visit_id=v.id,
                sha256=rec.sha256,
                original_name="same.c3d",
                kind="c3d",
                size=len(rec.blob),
            )
        )
    r = clinician.api("DELETE", f"/api/v1/patients/{a.patient_id}")
    assert r.status_code == 204
    assert _counts(app, a.patient_id)["visit"] == 0
    assert app.state.blobs.path(rec.sha256).read_bytes() == rec.blob
    with app.state.sessions() as db:
        assert db.get(Blob, rec.sha256) is not None
    assert clinician.api("DELETE", f"/api/v1/patients/{a.patient_id}").status_code == 404


def test_orphan_blob_cleanup(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    from kinechain.store._backup import orphan_blobs, remove_orphan_blobs

    a, _ = two_clinics
    rec = populate(app, a)
    stray = app.state.blobs.put_bytes(b"left behind by a crash")
    with app.state.sessions() as db:
        found = orphan_blobs(db, app.state.settings.files_dir)
        assert found == [app.state.blobs.path(stray)]
        assert remove_orphan_blobs(db, app.state.settings.files_dir) == 1
    assert not app.state.blobs.exists(stray) and app.state.blobs.exists(rec.sha256)
