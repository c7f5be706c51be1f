"""Sign-in, sessions, CSRF, rate limiting, patients — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from webkit import PASSWORD, Client, ClinicSeed, csrf_in

from kinechain.store import AuditEntry
from kinechain.web._security import verify_password


def test_migrations_create_the_models_schema(app: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kinechain.store import Base

    with app.state.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_login_page_and_wrong_password(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    c = Client(app)
    r = c.get("/patients")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = c.post("/login", {"email": two_clinics[0].clinician.email, "password": "nope"}, csrf=False)
    assert r.status_code == 401
    assert "e-mail or password is wrong" in r.text
    assert two_clinics[0].clinician.email in r.text  # what was typed is kept


def test_session_cookie_flags(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    c = Client(app)
    r = c.post(
        "/login", {"email": two_clinics[0].clinician.email, "password": PASSWORD}, csrf=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/patients"
    cookie = r.headers["set-cookie"].lower()
    for flag in ("httponly", "secure", "samesite=lax"):
        assert flag in cookie


def test_login_rate_limit(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    c = Client(app)
    email = two_clinics[0].clinician.email
    codes = [
        c.post("/login", {"email": email, "password": "bad"}, csrf=False).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password is refused while blocked
    r = c.post("/login", {"email": email, "password": PASSWORD}, csrf=False)
    assert r.status_code == 429 and "too many failed sign-ins" in r.text


def test_csrf_required_on_forms(clinician: Client) -> None:
    r = clinician.post("/patients/new", {"name": "Carl"}, csrf=False)
    assert r.status_code == 403
    r = clinician.post("/patients/new", {"name": "Carl", "csrf_token": "forged"})
    assert r.status_code == 403
    r = clinician.post("/patients/new", {"name": "Carl"})
    assert r.status_code == 303


def test_patient_form_errors_keep_values(clinician: Client) -> None:
    r = clinician.post("/patients/new", {"name": "Dora", "height_m": "17.2", "mass_kg": "abc"})
    assert r.status_code == 400
    html = r.text
    assert 'value="17.2"' in html and 'value="abc"' in html and 'value="Dora"' in html
    assert 'id="e-height_m"' in html and 'id="e-mass_kg"' in html
    assert csrf_in(html) == clinician.csrf


def test_patients_scoped_to_clinic(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a, b = two_clinics
    c = Client(app).login(a.clinician.email)
    html = c.get("/patients").text
    assert "Ann Example a" in html and "Ann Example b" not in html
    assert c.get(f"/patients/{a.patient_id}").status_code == 200
    assert c.get(f"/patients/{b.patient_id}").status_code == 404
    assert c.api("GET", f"/api/v1/patients/{b.patient_id}").status_code == 404


def test_api_bearer_login_and_patient_crud(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    c = Client(app)
    r = c.http.post(
        "/api/v1/session", json={"email": two_clinics[0].clinician.email, "password": PASSWORD}
    )
    assert r.status_code == 200
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    c.http.cookies.clear()
    r = c.http.post("/api/v1/patients", json={"name": "Eve", "height_m": 1.7}, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = c.http.put(f"/api/v1/patients/{pid}", json={"name": "Eve Q", "height_m": 9}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "height_m"
    names = [p["name"] for p in c.http.get("/api/v1/patients", headers=h).json()]
    assert "Eve" in names and "Ann Example a" in names and "Ann Example b" not in names
    assert c.http.get("/api/v1/patients").status_code == 401


def test_reads_and_changes_are_audited(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, _ = two_clinics
    c = Client(app).login(a.clinician.email)
    c.get(f"/patients/{a.patient_id}")
    c.post(f"/patients/{a.patient_id}/edit", {"name": "Ann Renamed", "height_m": "1.66"})
    with app.state.sessions() as db:
        rows = db.query(AuditEntry).filter(AuditEntry.patient_id == a.patient_id).all()
    actions = [(r.action, r.entity, r.user_id) for r in rows]
    assert ("read", "patient", a.clinician.user_id) in actions
    assert ("update", "patient", a.clinician.user_id) in actions


def test_passwords_are_argon2id() -> None:
    from kinechain.web import _security

    h = _security.hash_password("a long enough password")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "a long enough password") and not verify_password(h, "wrong")
