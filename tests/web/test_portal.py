"""The patient's pages (checklist, pain, questionnaires, progress) and the clinician's progress
page — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from sqlalchemy import select
from webkit import Client, ClinicSeed

from kinechain._assess import assess
from kinechain.clinic import intake_template, parse_intake
from kinechain.program import LIBRARY, progress
from kinechain.store import ExerciseLog, PainLog, QuestionnaireResponse, Visit
from kinechain.store._models import utcnow
from kinechain.web._questionnaire_form import questionnaire_values, questionnaires_from_form

TODAY = dt.date.today()


def add_visit(
    app: Any,
    seed: ClinicSeed,
    day: dt.date,
    *,
    wblt_left: float | None = None,
    red_flag: bool = False,
) -> dict[str, Any]:
    """A visit with its assessment and program stored the way the store's reassess does."""
    intake = intake_template(full=True)
    intake["date"] = day.isoformat()
    if wblt_left is not None:
        intake["tests"]["wblt_cm"]["left"] = wblt_left
    if red_flag:
        intake["red_flags"]["history_of_cancer"] = True
    data = assess(parse_intake(intake)).to_dict()
    with app.state.sessions() as db, db.begin():
        db.add(
            Visit(
                clinic_id=seed.clinic_id,
                patient_id=seed.patient_id,
                date=day,
                intake=intake,
                assessment=data,
                program=data.get("program"),
                assessed_at=utcnow(),
            )
        )
    return data


def logs(app: Any, patient_id: int) -> list[tuple[dt.date, str, bool]]:
    with app.state.sessions() as db:
        rows = db.scalars(select(ExerciseLog).where(ExerciseLog.patient_id == patient_id))
        return sorted((r.date, r.exercise_id, r.completed) for r in rows)


def test_patient_sees_and_ticks_todays_exercises(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a = two_clinics[0]
    data = add_visit(app, a, TODAY)
    program = data["program"]
    first = program["exercises"][0]
    p = Client(app).login(a.patient.email)

    page = html.unescape(p.get("/me").text)
    for ex in program["exercises"]:
        assert ex["name"] in page
    assert LIBRARY[first["id"]].instructions[0] in page
    assert first["weeks"][0]["dosage_text"] in page
    assert "Week 1 of 6" in page

    form = {"exercise_id": first["id"], "completed": "1"}
    r = p.post("/me/log", form)
    assert r.status_code == 303 and r.headers["location"] == "/me?saved=logged"
    assert logs(app, a.patient_id) == [(TODAY, first["id"], True)]
    assert p.post("/me/log", form).status_code == 303  # twice: still one row
    assert logs(app, a.patient_id) == [(TODAY, first["id"], True)]
    page = p.get("/me?saved=logged").text
    assert "✓ done today" in page and "Saved: well done." in page
    assert re.search(r"This week so far: 1 exercise day ticked off", page)

    r = p.post("/me/log", {"exercise_id": first["id"], "completed": "0"})
    assert r.status_code == 303
    assert logs(app, a.patient_id) == [(TODAY, first["id"], False)]
    assert "✓ done today" not in p.get("/me").text

    stranger = next(k for k in LIBRARY if k not in {e["id"] for e in program["exercises"]})
    r = p.post("/me/log", {"exercise_id": stranger, "completed": "1"})
    assert r.status_code == 400
    assert f"{LIBRARY[stranger].name} is not an exercise of your current programme" in (
        html.unescape(r.text)
    )
    r = p.post(
        "/me/log", {"exercise_id": first["id"], "date": (TODAY + dt.timedelta(1)).isoformat()}
    )
    assert r.status_code == 400 and "has not come yet" in r.text
    long_ago = (TODAY - dt.timedelta(days=20)).isoformat()
    r = p.post("/me/log", {"exercise_id": first["id"], "date": long_ago})
    assert r.status_code == 400 and "only the last 14 days can be ticked off" in r.text
    assert logs(app, a.patient_id) == [(TODAY, first["id"], False)]

    # a missed day can be ticked off afterwards; the form without CSRF is refused
    yesterday = TODAY - dt.timedelta(days=1)
    assert (
        p.post("/me/log", {"exercise_id": first["id"], "date": yesterday.isoformat()}).status_code
        == 303
    )
    assert (yesterday, first["id"], True) in logs(app, a.patient_id)
    assert p.post("/me/log", {"exercise_id": first["id"]}, csrf=False).status_code == 403


def test_no_program_and_referral_first(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a = two_clinics[0]
    p = Client(app).login(a.patient.email)
    assert "You have no exercise programme yet" in p.get("/me").text
    assert p.api("GET", "/api/v1/me/checklist").json()["items"] == []

    data = add_visit(app, a, TODAY, red_flag=True)
    page = html.unescape(p.get("/me").text)
    advice = data["red_flags"]["reasons"][0]["advice"]
    assert 'id="referral"' in page and advice in page
    assert page.index(advice) < page.index('id="exercises"')
    assert data["program"]["withheld_reason"] in page
    body = p.api("GET", "/api/v1/me/checklist").json()
    assert body["referral"] == [advice] and body["items"] == []


def test_pain_form_errors_and_upsert(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a = two_clinics[0]
    p = Client(app).login(a.patient.email)
    r = p.post("/me/pain", {"nprs": "11", "note": "after gardening"})
    assert r.status_code == 400
    assert 'value="11"' in r.text and 'value="after gardening"' in r.text
    assert '<p class="error" id="e-nprs">enter a whole number from 0 to 10</p>' in r.text
    assert p.post("/me/pain", {"nprs": ""}).status_code == 400

    assert p.post("/me/pain", {"nprs": "6"}).status_code == 303
    assert p.post("/me/pain", {"nprs": "4", "note": "better"}).status_code == 303
    with app.state.sessions() as db:
        rows = list(db.scalars(select(PainLog).where(PainLog.patient_id == a.patient_id)))
    assert [(r.date, r.nprs, r.note) for r in rows] == [(TODAY, 4, "better")]
    assert "Saved today: 4/10" in p.get("/me").text


def test_questionnaires_page_stores_the_block(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a = two_clinics[0]
    p = Client(app).login(a.patient.email)
    page = p.get("/me/questionnaires").text
    assert 'name="q.odi.10"' in page and 'name="q.rmdq.24"' in page
    assert 'name="q.psfs.5.score"' in page and "official questionnaire wording" in page

    form = {f"q.odi.{i}": str(v) for i, v in enumerate([1, 2, 0, 3, 1, 2, 1, 0, 2, 4], 1)}
    form |= {f"q.startback.{i}": v for i, v in enumerate("101100102", 1)}
    form |= {"q.nprs": "5", "q.rmdq.9": "1", "q.rmdq.3": "1"}
    form |= {"q.psfs.1.activity": "running 5 km", "q.psfs.1.score": "3"}
    form |= {"q.psfs.3.activity": "gardening", "q.psfs.3.score": "6"}
    r = p.post("/me/questionnaires", form)
    assert r.status_code == 303 and r.headers["location"] == "/me/questionnaires?sent=1"
    assert "Thank you" in p.get(r.headers["location"]).text
    with app.state.sessions() as db:
        rows = list(db.scalars(select(QuestionnaireResponse)))
    assert len(rows) == 1
    assert (rows[0].patient_id, rows[0].clinic_id, rows[0].visit_id) == (
        a.patient_id,
        a.clinic_id,
        None,
    )
    assert rows[0].data == {
        "odi": [1, 2, 0, 3, 1, 2, 1, 0, 2, 4],
        "nprs": 5,
        "startback": [1, 0, 1, 1, 0, 0, 1, 0, 2],
        "rmdq": [3, 9],
        "psfs": [
            {"activity": "running 5 km", "score": 3},
            {"activity": "gardening", "score": 6},
        ],
    }

    bad = {"q.nprs": "x", "q.odi.2": "7", "q.psfs.2.activity": "stairs", "q.startback.9": "9"}
    r = p.post("/me/questionnaires", bad)
    assert r.status_code == 400
    text = r.text
    assert '<p class="error" id="e-q.nprs">enter a whole number from 0 to 10</p>' in text
    assert 'id="e-q.odi.2"' in text and 'id="e-q.psfs.2.score"' in text
    assert 'id="e-q.startback.9"' in text
    assert 'value="x"' in text and 'value="stairs"' in text
    assert p.post("/me/questionnaires", {}).status_code == 400
    with app.state.sessions() as db:
        assert len(list(db.scalars(select(QuestionnaireResponse)))) == 1


def test_questionnaire_form_round_trip() -> None:
    """The form pieces the clinician's intake form shares: only answered parts, exact shape."""
    form = {"q.odi.1": "2", "q.odi.8": "", "q.startback.9": "4", "q.rmdq.none": "1"}
    block, errors = questionnaires_from_form(form)
    assert errors == {}
    assert block == {
        "odi": [2, None, None, None, None, None, None, None, None, None],
        "startback": [None] * 8 + [4],
        "rmdq": [],
    }
    assert questionnaire_values(block) == {"q.odi.1": "2", "q.startback.9": "4", "q.rmdq.none": "1"}
    assert questionnaires_from_form({}) == ({}, {})
    _, errors = questionnaires_from_form(
        {"q.psfs.4.score": "5", "q.startback.1": "2", "q.rmdq.1": "1", "q.rmdq.none": "1"}
    )
    assert errors == {
        "q.psfs.4.activity": "name the activity this score is for",
        "q.startback.1": "choose agree (1) or disagree (0)",
        "q.rmdq.none": "you ticked statements and also 'none of these': untick one",
    }
    # the library's own limits come back on the field
    _, errors = questionnaires_from_form({"q.psfs.1.activity": "x" * 201, "q.psfs.1.score": "2"})
    assert list(errors) == ["q.psfs.1.activity"]


def test_patient_api(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a = two_clinics[0]
    program = add_visit(app, a, TODAY)["program"]
    ex = program["exercises"][0]["id"]
    p = Client(app).login(a.patient.email)
    body = p.api("GET", "/api/v1/me/checklist").json()
    assert [i["exercise_id"] for i in body["items"]] == [e["id"] for e in program["exercises"]]
    assert body["items"][0]["dose"] == program["exercises"][0]["weeks"][0]["dosage_text"]
    assert body["items"][0]["done"] is False and body["program_week"] == 1

    r = p.api("POST", "/api/v1/me/logs", json={"exercise_id": ex})
    assert r.status_code == 200 and r.json() == {
        "exercise_id": ex,
        "date": TODAY.isoformat(),
        "completed": True,
    }
    assert p.api("POST", "/api/v1/me/logs", json={"exercise_id": ex}).status_code == 200
    assert logs(app, a.patient_id) == [(TODAY, ex, True)]
    assert p.api("GET", "/api/v1/me/checklist").json()["items"][0]["done"] is True
    r = p.api("POST", "/api/v1/me/logs", json={"exercise_id": "moonwalk"})
    assert (
        r.status_code == 400 and "not an exercise of your current programme" in r.json()["detail"]
    )

    r = p.api("POST", "/api/v1/me/pain", json={"nprs": 3, "note": "ok"})
    assert r.status_code == 200 and r.json()["nprs"] == 3
    assert p.api("POST", "/api/v1/me/pain", json={"nprs": 12}).status_code == 422

    block = {"nprs": 4, "startback": [0, 0, 1, 0, 0, 0, 0, 0, 1], "rmdq": [7, 2]}
    r = p.api("POST", "/api/v1/me/questionnaires", json=block)
    assert r.status_code == 201
    assert r.json()["data"] == {**block, "rmdq": [2, 7]}
    r = p.api("POST", "/api/v1/me/questionnaires", json={"nprs": "x", "odi": [1, 2]})
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["detail"]}
    assert {"nprs", "odi"} <= fields
    assert p.api("POST", "/api/v1/me/questionnaires", json={}).status_code == 422
    # CSRF header is needed with the cookie
    r = p.http.post("/api/v1/me/pain", json={"nprs": 2})
    assert r.status_code == 403
    spec = p.get("/api/v1/openapi.json").json()
    assert "/api/v1/me/questionnaires" in spec["paths"] and "LogIn" in spec["components"]["schemas"]


def test_clinician_progress_page(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a = two_clinics[0]
    first_day = TODAY - dt.timedelta(days=28)
    first = add_visit(app, a, first_day)
    second = add_visit(app, a, TODAY, wblt_left=10.0)
    ex = first["program"]["exercises"][0]["id"]
    with app.state.sessions() as db, db.begin():
        for k in range(3):
            day = first_day + dt.timedelta(days=k)
            db.add(
                ExerciseLog(
                    clinic_id=a.clinic_id, patient_id=a.patient_id, date=day, exercise_id=ex
                )
            )
            db.add(PainLog(clinic_id=a.clinic_id, patient_id=a.patient_id, date=day, nprs=6 - k))

    expected = progress([first, second], as_of=TODAY)
    wblt = expected.measure("wblt_cm", "left")
    assert wblt is not None and wblt.change == 4.0

    c = Client(app).login(a.clinician.email)
    r = c.get(f"/patients/{a.patient_id}/progress")
    assert r.status_code == 200
    page = r.text
    assert "<svg" in page and page.count("<svg") >= 3
    assert f'data-measure="wblt_cm" data-side="left" data-verdict="{wblt.verdict}"' in page
    row = re.search(r'data-measure="wblt_cm" data-side="left".*?</tr>', page, re.S)
    assert row is not None and "+4" in row.group(0)
    assert "Home exercises" in page and "Adherence per week" in page
    assert "Daily pain" in page

    body = c.get(f"/api/v1/patients/{a.patient_id}/progress").json()
    assert body["assessed_visits"] == 2
    api_wblt = next(
        m for m in body["report"]["measures"] if m["measure"] == "wblt_cm" and m["side"] == "left"
    )
    assert api_wblt == wblt.to_dict()
    assert [p["nprs"] for p in body["pain_log"]] == [6, 5, 4]
    # a ticked day counts as the day's prescribed sessions (3 a day for the calf stretch)
    per_ex = body["report"]["adherence"]["periods"][0]["per_exercise"]
    calf = next(e for e in per_ex if e["exercise_id"] == ex)
    assert calf["completed"] == 3 * first["program"]["exercises"][0]["dosage"]["times_per_day"]
    assert body["report"]["pain"]["n"] == 3

    # the patient's own progress page, in plain words with charts
    p = Client(app).login(a.patient.email)
    page = p.get("/me/progress").text
    assert "<svg" in page and "Your pain over time" in page and "3 days logged" in page


def test_progress_with_no_or_one_assessment(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a = two_clinics[0]
    c = Client(app).login(a.clinician.email)
    r = c.get(f"/patients/{a.patient_id}/progress")
    assert r.status_code == 200 and "No assessed visit yet" in r.text
    body = c.get(f"/api/v1/patients/{a.patient_id}/progress").json()
    assert body["report"] is None and body["assessed_visits"] == 0
    add_visit(app, a, TODAY)
    r = c.get(f"/patients/{a.patient_id}/progress")
    assert r.status_code == 200 and "Only one assessed visit so far" in r.text
    assert "nothing to compare" in r.text
    p = Client(app).login(a.patient.email)
    assert p.get("/me/progress").status_code == 200


def test_portal_access_rules(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a, b = two_clinics
    add_visit(app, a, TODAY)
    patient = Client(app).login(a.patient.email)
    for url in (f"/patients/{a.patient_id}/progress", f"/patients/{a.other_patient_id}/progress"):
        assert patient.get(url).status_code == 403
    for pid in (a.patient_id, a.other_patient_id, b.patient_id):
        assert patient.get(f"/api/v1/patients/{pid}/progress").status_code == 403

    clinician = Client(app).login(a.clinician.email)
    for url in ("/me", "/me/questionnaires", "/me/progress", "/api/v1/me/checklist"):
        assert clinician.get(url).status_code == 403
    assert clinician.post("/me/pain", {"nprs": "3"}).status_code == 403
    assert clinician.api("POST", "/api/v1/me/pain", json={"nprs": 3}).status_code == 403

    other = Client(app).login(b.clinician.email)
    assert other.get(f"/patients/{a.patient_id}/progress").status_code == 404
    assert other.get(f"/api/v1/patients/{a.patient_id}/progress").status_code == 404

    # the other patient of the same clinic sees only their own (empty) programme and log
    patient.post("/me/log", {"exercise_id": "gastrocnemius_stretch"})
    p2 = Client(app).login(a.other_patient.email)
    assert p2.api("GET", "/api/v1/me/checklist").json()["items"] == []
    assert p2.api("GET", "/api/v1/me/progress").json()["report"] is None
    r = p2.api("POST", "/api/v1/me/logs", json={"exercise_id": "gastrocnemius_stretch"})
    assert r.status_code == 400
    assert logs(app, a.other_patient_id) == []
    assert Client(app).get("/me").status_code == 303  # not signed in → login
