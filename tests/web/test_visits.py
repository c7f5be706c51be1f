"""Visits: opening one, the intake form, report, program editor, handout — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from webkit import Client, ClinicSeed

from kinechain._assess import assess
from kinechain.clinic import intake_template, parse_intake
from kinechain.program import LIBRARY, progress
from kinechain.store import AuditEntry, QuestionnaireResponse, Visit


class _FormReader(HTMLParser):
    """What a browser would submit for the first POST form of a page, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.in_form = False
        self.done = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("method") == "post":
            self.in_form = "/logout" not in a.get("action", "")
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form = False
            self.done = True


def form_of(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    return reader.values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # how the form shows a whole number
    return str(value)


def flatten(intake: dict[str, Any]) -> dict[str, str]:
    """Form values for every intake field except the questionnaires (dotted names)."""
    out: dict[str, str] = {}
    for key in ("date", "notes"):
        if key in intake:
            out[key] = str(intake[key])
    for block in ("patient", "red_flags", "lifestyle"):
        for k, v in (intake.get(block) or {}).items():
            out[f"{block}.{k}"] = _text(v)
    for test, sides in (intake.get("tests") or {}).items():
        for side, v in sides.items():
            out[f"tests.{test}.{side}"] = _text(v)
    return out


def _db(app: Any) -> Any:
    return app.state.sessions()


def open_visit(app: Any, c: Client, patient_id: int) -> int:
    page = c.get(f"/patients/{patient_id}")
    assert f'action="/patients/{patient_id}/visits"' in page.text
    r = c.post(f"/patients/{patient_id}/visits")
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/visits/(\d+)", r.headers["location"])
    assert m
    return int(m.group(1))


def _expected_assessment(intake: dict[str, Any]) -> dict[str, Any]:
    data = assess(parse_intake(intake)).to_dict()
    return dict(json.loads(json.dumps(data)))


def _fill_full_template(app: Any, c: Client, seed: ClinicSeed) -> tuple[int, dict[str, Any]]:
    """Open a visit with the template's questionnaires sent from home; fill the rest by form."""
    template = intake_template(full=True)
    with _db(app) as db, db.begin():
        db.add(
            QuestionnaireResponse(
                clinic_id=seed.clinic_id,
                patient_id=seed.patient_id,
                data={"questionnaires": template["questionnaires"]},
            )
        )
    vid = open_visit(app, c, seed.patient_id)
    page = c.get(f"/visits/{vid}/intake")
    assert page.status_code == 200
    values = form_of(page.text)
    # the answers sent from home are shown in the form (NPRS: 6)
    assert "6" in (values.get("q.nprs"), values.get("questionnaires.nprs"))
    values.update(flatten(template))
    r = c.post(f"/visits/{vid}/intake", values)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/visits/{vid}"
    return vid, template


def test_open_visit_prefills_intake_from_record_and_home_questionnaires(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a = two_clinics[0]
    with _db(app) as db, db.begin():
        old = QuestionnaireResponse(
            clinic_id=a.clinic_id,
            patient_id=a.patient_id,
            data={"nprs": 3},
            submitted_at=dt.datetime(2024, 1, 1),
        )
        new = QuestionnaireResponse(
            clinic_id=a.clinic_id, patient_id=a.patient_id, data={"nprs": 7, "rmdq": [1, 4]}
        )
        db.add_all([old, new])
        db.flush()
        old_id, new_id = old.id, new.id
    vid = open_visit(app, clinician, a.patient_id)
    with _db(app) as db:
        v = db.get(Visit, vid)
        assert v is not None
        assert v.date == dt.date.today()
        assert v.intake == {
            "schema": "kinechain.intake/1",
            "date": dt.date.today().isoformat(),
            "patient": {"id": "a-0", "sex": "female", "height_m": 1.65, "mass_kg": 62.0},
            "questionnaires": {"nprs": 7, "rmdq": [1, 4]},
        }
        assert v.assessment is None
        assert db.get(QuestionnaireResponse, new_id).visit_id == vid  # type: ignore[union-attr]
        assert db.get(QuestionnaireResponse, old_id).visit_id == vid  # type: ignore[union-attr]
        acts = {(e.action, e.entity) for e in db.query(AuditEntry).filter_by(entity_id=vid)}
        assert ("create", "visit") in acts
    page = clinician.get(f"/visits/{vid}")
    assert page.status_code == 200
    assert "Not assessed yet" in page.text and "Edit tests &amp; questionnaires" in page.text
    # the API opens one too
    r = clinician.api("POST", f"/api/v1/patients/{a.patient_id}/visits")
    assert r.status_code == 201
    body = r.json()
    assert body["patient_id"] == a.patient_id and body["intake"]["patient"]["id"] == "a-0"
    assert "questionnaires" not in body["intake"]  # the home answers went to the first visit
    assert clinician.api("GET", f"/api/v1/visits/{body['id']}").json()["id"] == body["id"]


def test_intake_form_full_template_gives_the_library_assessment(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    vid, template = _fill_full_template(app, clinician, two_clinics[0])
    with _db(app) as db:
        v = db.get(Visit, vid)
        assert v is not None
        assert v.assess_error is None
        assert v.intake == parse_intake(template).to_dict()
        assert v.assessment == _expected_assessment(template)
        assert v.program == v.assessment["program"] and not v.program_edited
        acts = [e.action for e in db.query(AuditEntry).filter_by(entity="visit", entity_id=vid)]
        assert "update" in acts
    # editing again shows every stored value
    page = clinician.get(f"/visits/{vid}/intake").text
    values = form_of(page)
    for name, value in flatten(template).items():
        assert values[name] == value, name
    visit_page = clinician.get(f"/visits/{vid}").text
    assert "Oswestry Disability Index: 26.67 %" in visit_page
    assert "Weight-bearing lunge: toe to wall (cm)" in visit_page
    report = clinician.get(f"/visits/{vid}/report")
    assert report.status_code == 200
    text = report.text
    assert "Gastrocnemius tightness" in text and "does not diagnose" in text
    assert "Ankle dorsiflexion was not among the pooled predictors" in text  # calf → back: weak
    assert "26.67 %" in text and "<svg" in text and "Compression" in text
    assert "Calf stretch, knee straight (gastrocnemius)" in text
    assert text.index("No red flags reported") < text.index('id="findings"')
    api = clinician.api("GET", f"/api/v1/visits/{vid}/assessment")
    assert api.status_code == 200 and api.json() == _expected_assessment(template)


def test_intake_errors_beside_their_fields_with_values_kept(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    vid = open_visit(app, clinician, two_clinics[0].patient_id)
    with _db(app) as db:
        before = db.get(Visit, vid).intake  # type: ignore[union-attr]
    form = form_of(clinician.get(f"/visits/{vid}/intake").text)
    form.update(
        {
            "tests.wblt_cm.left": "40",
            "tests.df_knee_extended_deg.left": "20",
            "tests.df_knee_flexed_deg.left": "10",
            "patient.mass_kg": "abc",
            "tests.fpi6.right": "4",
            "red_flags.fever": "no",
            "q.nprs": "11",
        }
    )
    r = clinician.post(f"/visits/{vid}/intake", form)
    assert r.status_code == 400
    html = r.text

    def beside(name: str) -> str:
        # the error paragraph directly follows the field's own input
        m = re.search(
            rf'name="{re.escape(name)}"[^>]*>\s*(?:<small[^>]*>[^<]*</small>\s*)?'
            rf'<p class="error" id="e-{re.escape(name)}">([^<]*)</p>',
            html,
        )
        assert m, f"no error beside {name}"
        return m.group(1)

    assert "out of range" in beside("tests.wblt_cm.left") and "25" in beside("tests.wblt_cm.left")
    assert "below tests.df_knee_extended_deg.left" in beside("tests.df_knee_flexed_deg.left")
    assert beside("patient.mass_kg") == "enter a number"
    assert 'id="e-tests.fpi6.right"' not in html
    assert 'id="e-q.nprs"' in html  # the questionnaire fields report their own errors
    kept = form_of(html)
    for name in ("tests.wblt_cm.left", "tests.df_knee_flexed_deg.left", "patient.mass_kg"):
        assert kept[name] == form[name]
    assert kept["tests.fpi6.right"] == "4" and kept["red_flags.fever"] == "no"
    assert kept["q.nprs"] == "11"
    with _db(app) as db:
        v = db.get(Visit, vid)
        assert v is not None and v.intake == before and v.assessment is None


def test_red_flag_comes_first_on_visit_report_and_handout(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client, tmp_path: Path
) -> None:
    vid = open_visit(app, clinician, two_clinics[0].patient_id)
    form = form_of(clinician.get(f"/visits/{vid}/intake").text)
    form.update(
        {
            "red_flags.saddle_anaesthesia": "yes",
            "tests.df_knee_extended_deg.left": "0",
            "tests.df_knee_flexed_deg.left": "20",
        }
    )
    assert clinician.post(f"/visits/{vid}/intake", form).status_code == 303
    page = clinician.get(f"/visits/{vid}").text
    assert "Refer before treatment — urgency: emergency" in page
    assert page.index('id="red-flags"') < page.index("<h2>Intake</h2>")
    assert "Dorsiflexion, knee extended" in page
    report = clinician.get(f"/visits/{vid}/report").text
    assert report.index("Refer before treatment") < report.index('id="findings"')
    assert "cauda equina" in report and "Gastrocnemius tightness" in report
    prog = clinician.get(f"/visits/{vid}/program").text
    assert 'id="withheld"' in prog
    r = clinician.post(f"/visits/{vid}/program", {"add": "heel_raises"})
    assert r.status_code == 400 and "withheld" in r.text
    pdf = clinician.get(f"/visits/{vid}/handout.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content, tmp_path)
    assert "Please see a doctor first (urgency: emergency)" in text
    assert "Calf stretch" not in text


def _pdf_text(data: bytes, tmp: Path) -> str:
    f = tmp / "h.pdf"
    f.write_bytes(data)
    out = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(f), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(out.stdout.split())


def test_program_edit_handout_and_reset(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client, tmp_path: Path
) -> None:
    vid, _ = _fill_full_template(app, clinician, two_clinics[0])
    with _db(app) as db:
        recommended = db.get(Visit, vid).program  # type: ignore[union-attr]
    assert recommended is not None
    ids = [e["id"] for e in recommended["exercises"]]
    assert "gastrocnemius_stretch" in ids and "calf_foam_rolling" not in ids
    page = clinician.get(f"/visits/{vid}/program").text
    assert 'value="calf_foam_rolling"' in page  # offered from the library
    r = clinician.post(
        f"/visits/{vid}/program",
        {
            "remove": "gastrocnemius_stretch",
            "add": "calf_foam_rolling",
            "start": "2025-02-03",
            "note.glute_bridge": "Go slowly at first",
        },
    )
    assert r.status_code == 303, r.text
    with _db(app) as db:
        v = db.get(Visit, vid)
        assert v is not None and v.program is not None and v.program_edited
        got = [e["id"] for e in v.program["exercises"]]
        assert got == sorted(
            [i for i in ids if i != "gastrocnemius_stretch"] + ["calf_foam_rolling"],
            key=lambda i: (
                next(e["start_week"] for e in v.program["exercises"] if e["id"] == i),  # type: ignore[index]
                list(LIBRARY).index(i),
            ),
        )
        added = next(e for e in v.program["exercises"] if e["id"] == "calf_foam_rolling")
        assert added["why"] == "Added by your clinician."
        assert added["dosage_text"] == LIBRARY["calf_foam_rolling"].dosage.text()
        bridge = next(e for e in v.program["exercises"] if e["id"] == "glute_bridge")
        assert bridge["clinician_note"] == "Go slowly at first"
        assert v.program["start"] == "2025-02-03" and v.program["end"] == "2025-03-16"
        assert v.program["schema"] == "kinechain.program/1"
        plan_text = " ".join(" ".join(w["changes"]) for w in v.program["plan"])
        assert "Calf stretch, knee straight" not in plan_text and "foam" in plan_text.lower()
        # the saved program is read by the library's progress like any other
        rep = progress(
            [{"date": "2025-02-03", "program": v.program}],
            [{"date": "2025-02-04", "exercise_id": "calf_foam_rolling"}],
        )
        assert rep.adherence is not None
        # the assessment itself is untouched
        assert v.assessment is not None and v.assessment["program"] == recommended
    pdf = clinician.get(f"/visits/{vid}/handout.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'inline; filename="handout-{dt.date.today().isoformat()}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content, tmp_path)
    assert LIBRARY["calf_foam_rolling"].name in text
    assert "Go slowly at first" in text and "Start: 2025-02-03" in text
    assert "Calf stretch, knee straight" not in text
    page = clinician.get(f"/visits/{vid}/program").text
    assert 'value="Go slowly at first"' in page and "Adjusted by the clinician" in page
    # a bad start date is shown beside its field, nothing saved
    r = clinician.post(f"/visits/{vid}/program", {"start": "3 Feb"})
    assert r.status_code == 400 and 'id="e-start"' in r.text
    # reset
    r = clinician.post(f"/visits/{vid}/program", {"reset": "1"})
    assert r.status_code == 303
    with _db(app) as db:
        v = db.get(Visit, vid)
        assert v is not None and not v.program_edited and v.program == recommended


def test_api_intake_program_and_exercises(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    vid = open_visit(app, clinician, two_clinics[0].patient_id)
    r = clinician.api("GET", f"/api/v1/visits/{vid}/assessment")
    assert r.status_code == 404 and "has not been assessed" in r.json()["detail"]
    bad = {"tests": {"wblt_cm": {"left": 40}}, "patient": {"mass_kg": "heavy"}}
    r = clinician.api("PUT", f"/api/v1/visits/{vid}/intake", json=bad)
    assert r.status_code == 422
    fields = {d["field"]: d["problem"] for d in r.json()["detail"]}
    assert set(fields) == {"tests.wblt_cm.left", "patient.mass_kg"}
    assert "out of range" in fields["tests.wblt_cm.left"]
    template = intake_template(full=True)
    r = clinician.api("PUT", f"/api/v1/visits/{vid}/intake", json=template)
    assert r.status_code == 200
    assert r.json()["assessment"] == _expected_assessment(template)
    got = clinician.api("GET", f"/api/v1/visits/{vid}").json()
    assert got["assessment"] == _expected_assessment(template) and got["gait_job_id"] is None
    ex = clinician.api("GET", "/api/v1/exercises").json()
    assert [e["id"] for e in ex] == list(LIBRARY)
    heel = next(e for e in ex if e["id"] == "heel_raises")
    assert heel["category"] == LIBRARY["heel_raises"].kind and heel["instructions"]
    r = clinician.api(
        "PUT",
        f"/api/v1/visits/{vid}/program",
        json={"exercises": [{"id": "heel_raises", "note": "slowly"}, {"id": "plank"}]},
    )
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["exercises"]] == ["heel_raises", "plank"]
    assert clinician.api("GET", f"/api/v1/visits/{vid}/program").json() == r.json()
    r = clinician.api("PUT", f"/api/v1/visits/{vid}/program", json={"exercises": [{"id": "yoga"}]})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "exercises[0].id"
    r = clinician.api("DELETE", f"/api/v1/visits/{vid}/program")
    assert r.status_code == 200 and r.json()["program"] == _expected_assessment(template)["program"]


def test_other_clinic_and_patients_get_404_or_403(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, b = two_clinics
    vid, _ = _fill_full_template(app, clinician, a)
    other = Client(app).login(b.clinician.email)
    pages = [
        ("GET", f"/visits/{vid}"),
        ("GET", f"/visits/{vid}/intake"),
        ("POST", f"/visits/{vid}/intake"),
        ("GET", f"/visits/{vid}/report"),
        ("GET", f"/visits/{vid}/program"),
        ("POST", f"/visits/{vid}/program"),
        ("GET", f"/visits/{vid}/handout.pdf"),
        ("POST", f"/patients/{a.patient_id}/visits"),
    ]
    api = [
        ("GET", f"/api/v1/visits/{vid}", None),
        ("PUT", f"/api/v1/visits/{vid}/intake", {"notes": "x"}),
        ("GET", f"/api/v1/visits/{vid}/assessment", None),
        ("GET", f"/api/v1/visits/{vid}/program", None),
        ("PUT", f"/api/v1/visits/{vid}/program", {"exercises": []}),
        ("DELETE", f"/api/v1/visits/{vid}/program", None),
        ("POST", f"/api/v1/patients/{a.patient_id}/visits", None),
    ]
    for method, url in pages:
        r = other.get(url) if method == "GET" else other.post(url, {"reset": "1"})
        assert r.status_code == 404, (method, url, r.status_code)
        assert "no such" in r.text
    for method, url, body in api:
        r = other.api(method, url, json=body)
        assert r.status_code == 404, (method, url, r.status_code)
    # a patient (even of this clinic) never reaches the staff pages
    patient = Client(app).login(a.patient.email)
    for method, url in pages:
        r = patient.get(url) if method == "GET" else patient.post(url, {"reset": "1"})
        assert r.status_code == 403, (method, url, r.status_code)
    for method, url, body in api:
        assert patient.api(method, url, json=body).status_code == 403, (method, url)
    # nothing changed, and no second visit was opened
    with _db(app) as db:
        assert db.query(Visit).count() == 1
        v = db.get(Visit, vid)
        assert v is not None and not v.program_edited and v.intake["notes"] == "Example only."


def test_report_with_a_finished_gait_analysis(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    from kinechain import analyze_file
    from kinechain.io._results import clean_json
    from kinechain.store import Blob, Job, Upload

    data = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "c3d" / "biomechzoo"
    metrics = analyze_file(
        data / "HC032A03.c3d", static=data / "HC032A01.c3d", flat_foot=True
    ).metrics()
    metrics = clean_json(metrics)  # as the worker stores it (NaN → null)
    a = two_clinics[0]
    vid = open_visit(app, clinician, a.patient_id)
    with _db(app) as db, db.begin():
        db.add(Blob(sha256="0" * 64, size=1, kind="c3d"))
        db.flush()
        up = Upload(
            clinic_id=a.clinic_id,
            visit_id=vid,
            sha256="0" * 64,
            original_name="HC032A03.c3d",
            kind="c3d",
            size=1,
        )
        db.add(up)
        db.flush()
        job = Job(
            clinic_id=a.clinic_id,
            visit_id=vid,
            upload_id=up.id,
            status="done",
            progress=100.0,
            result=metrics,
        )
        db.add(job)
        db.flush()
        db.get(Visit, vid).gait_job_id = job.id  # type: ignore[union-attr]
    intake = {
        "schema": "kinechain.intake/1",
        "date": "2025-03-01",
        "patient": {"sex": "female", "height_m": 1.58, "mass_kg": 60.3},
        "tests": {"df_knee_extended_deg": {"left": 4, "right": 12}},
    }
    r = clinician.api("PUT", f"/api/v1/visits/{vid}/intake", json=intake)
    assert r.status_code == 200 and r.json()["assess_error"] is None
    expected = assess(parse_intake(intake), metrics, gait_source=f"analysis {job.id}").to_dict()
    assert r.json()["assessment"] == json.loads(json.dumps(expected))
    assert expected["chain_tests"]  # the walking trial tests the chain stride by stride
    html = clinician.get(f"/visits/{vid}/report").text
    section = html[html.index('id="chain-tests"') : html.index('id="questionnaires"')]
    assert section.count("<tr>") == len(expected["chain_tests"]) + 1
    first = expected["chain_tests"][0]
    if first["r"] is not None:
        assert f"{first['r']:.2f}" in section
    assert "Spatiotemporal parameters" in html and "Walking (inverse dynamics)" in html
    # a gait file of another person: the message is on the visit page, the visit stays intact
    intake["patient"]["mass_kg"] = 90.0  # type: ignore[index]
    r = clinician.api("PUT", f"/api/v1/visits/{vid}/intake", json=intake)
    assert r.status_code == 200 and r.json()["assessment"] is None
    page = clinician.get(f"/visits/{vid}").text
    assert 'id="assess-error"' in page and "is it another person?" in page
