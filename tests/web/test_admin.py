"""Users, patient logins and the audit log — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from webkit import PASSWORD, Client, ClinicSeed

from kinechain.store import AuditEntry, Patient, User, UserSession


def _login_status(app: Any, email: str, password: str) -> int:
    c = Client(app)
    r = c.http.post("/login", data={"email": email, "password": password})
    return int(r.status_code)


def test_users_page_lists_own_clinic_only(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, _ = two_clinics
    admin = Client(app).login(a.admin.email)
    r = admin.get("/admin/users")
    assert r.status_code == 200
    for p in (a.admin, a.clinician, a.patient, a.other_patient):
        assert p.email in r.text
    assert "b.example.org" not in r.text
    clinician = Client(app).login(a.clinician.email)
    assert clinician.get("/admin/users").status_code == 403
    assert clinician.get("/admin/audit").status_code == 403
    assert clinician.api("GET", "/api/v1/users").status_code == 403


def test_add_staff_with_field_errors(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a, _ = two_clinics
    admin = Client(app).login(a.admin.email)
    r = admin.post(
        "/admin/users",
        {"name": "Cara New", "email": "CLINICIAN@A.example.org", "password": PASSWORD},
    )
    assert r.status_code == 400
    assert 'id="e-email"' in r.text and "already has an account" in r.text
    assert 'value="Cara New"' in r.text and 'value="CLINICIAN@A.example.org"' in r.text
    r = admin.post(
        "/admin/users", {"name": "Cara New", "email": "cara@a.example.org", "password": "short"}
    )
    assert r.status_code == 400 and 'id="e-password"' in r.text
    assert "at least 10 characters" in r.text and "short" not in re.findall(
        r'value="([^"]*)"', r.text
    )
    r = admin.post("/admin/users", {"name": "", "email": "not-an-email", "password": PASSWORD})
    assert r.status_code == 400 and 'id="e-name"' in r.text and 'id="e-email"' in r.text
    r = admin.post(
        "/admin/users",
        {"name": "Cara New", "email": "Cara@A.example.org", "role": "admin", "password": PASSWORD},
    )
    assert r.status_code == 200 and "Added Cara New" in r.text
    with app.state.sessions() as db:
        u = db.scalars(select(User).where(User.email == "cara@a.example.org")).one()
        assert (u.role, u.clinic_id, u.patient_id, u.active) == ("admin", a.clinic_id, None, True)
        assert u.password_hash.startswith("$argon2id$")
        audited = db.scalars(
            select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.entity_id == u.id)
        ).one()
        assert (audited.action, audited.user_id) == ("create", a.admin.user_id)
    assert _login_status(app, "cara@a.example.org", PASSWORD) == 303


def test_deactivate_signs_out_and_reactivate(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, b = two_clinics
    admin = Client(app).login(a.admin.email)
    clinician = Client(app).login(a.clinician.email)
    assert clinician.get("/patients").status_code == 200
    r = admin.post(f"/admin/users/{a.clinician.user_id}/active", {"active": "0"})
    assert r.status_code == 303
    r = clinician.get("/patients")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with app.state.sessions() as db:
        n = db.scalar(
            select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == a.clinician.user_id)
        )
    assert n == 0
    assert _login_status(app, a.clinician.email, PASSWORD) == 401
    r = admin.post(f"/admin/users/{a.clinician.user_id}/active", {"active": "1"})
    assert r.status_code == 303
    assert _login_status(app, a.clinician.email, PASSWORD) == 303
    # never yourself; never another clinic's user; junk refused
    r = admin.post(f"/admin/users/{a.admin.user_id}/active", {"active": "0"})
    assert r.status_code == 400 and "cannot deactivate your own account" in r.text
    assert (
        admin.post(f"/admin/users/{b.clinician.user_id}/active", {"active": "0"}).status_code == 404
    )
    assert (
        admin.post(f"/admin/users/{a.clinician.user_id}/active", {"active": "x"}).status_code == 400
    )
    assert _login_status(app, b.clinician.email, PASSWORD) == 303


def test_patient_login_created_and_reset(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed], clinician: Client
) -> None:
    a, _ = two_clinics
    with app.state.sessions() as db, db.begin():
        p = Patient(clinic_id=a.clinic_id, name="Dana New")
        db.add(p)
        db.flush()
        pid = p.id
    page = clinician.get(f"/patients/{pid}/account")
    assert page.status_code == 200 and "no login yet" in page.text
    r = clinician.post(f"/patients/{pid}/account", {"email": "patient@A.example.org"})
    assert r.status_code == 400 and 'id="e-email"' in r.text
    assert 'value="patient@A.example.org"' in r.text
    r = clinician.post(f"/patients/{pid}/account", {"email": "Dana@Example.org"})
    assert r.status_code == 200
    m = re.search(r'<code id="temporary-password">([^<]+)</code>', r.text)
    assert m, r.text
    first = m.group(1)
    assert len(first) >= 16
    with app.state.sessions() as db:
        u = db.scalars(select(User).where(User.patient_id == pid)).one()
        assert (u.email, u.role, u.clinic_id) == ("dana@example.org", "patient", a.clinic_id)
        assert first not in u.password_hash
    # the temporary password is not shown again
    assert first not in clinician.get(f"/patients/{pid}/account").text
    dana = Client(app).login("dana@example.org", first)
    assert dana.get("/patients").status_code == 403
    r = clinician.post(f"/patients/{pid}/account", {"email": "dana@example.org"})
    second = re.search(r'<code id="temporary-password">([^<]+)</code>', r.text)
    assert second and second.group(1) != first
    assert "Password reset" in r.text
    assert _login_status(app, "dana@example.org", first) == 401
    assert _login_status(app, "dana@example.org", second.group(1)) == 303
    # the reset signed the patient out
    assert dana.get(f"/api/v1/patients/{pid}").status_code == 401
    with app.state.sessions() as db:
        actions = [
            e.action
            for e in db.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "user", AuditEntry.patient_id == pid)
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == ["create", "update"]


def test_audit_log_page_filters_and_pages(
    app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]
) -> None:
    a, b = two_clinics
    base = dt.datetime(2025, 3, 1, 12, 0)
    with app.state.sessions() as db, db.begin():
        for i in range(60):
            db.add(
                AuditEntry(
                    clinic_id=a.clinic_id,
                    user_id=a.clinician.user_id,
                    action="read",
                    entity="patient",
                    entity_id=a.patient_id,
                    patient_id=a.patient_id,
                    at=base + dt.timedelta(minutes=i),
                    detail=f"seeded {i}",
                )
            )
        db.add(
            AuditEntry(
                clinic_id=b.clinic_id,
                user_id=b.clinician.user_id,
                action="read",
                entity="patient",
                patient_id=b.patient_id,
                at=base,
                detail="clinic b entry",
            )
        )
    admin = Client(app).login(a.admin.email)
    q = f"patient_id={a.patient_id}&action=read&date_from=2025-03-01&date_to=2025-03-01"
    r = admin.get(f"/admin/audit?{q}")
    assert r.status_code == 200
    assert "60 entries" in r.text and "page 1 of 2" in r.text
    details = re.findall(r"seeded (\d+)", r.text)
    assert details[:3] == ["59", "58", "57"] and len(details) == 50
    assert "Clinician a" in r.text and "clinic b entry" not in r.text
    r = admin.get(f"/admin/audit?{q}&page=2")
    assert re.findall(r"seeded (\d+)", r.text) == [str(i) for i in range(9, -1, -1)]
    r = admin.get("/admin/audit?date_from=2025-03-02")
    assert "seeded" not in r.text
    r = admin.get("/admin/audit?patient_id=abc&date_to=31/12/2025&page=zz")
    assert r.status_code == 400
    assert 'id="e-patient_id"' in r.text and 'id="e-date_to"' in r.text
    assert 'value="abc"' in r.text
    r = admin.api("GET", f"/api/v1/audit?{q}&page=2")
    body = r.json()
    assert (body["total"], body["page"], body["per_page"]) == (60, 2, 50)
    assert body["entries"][0]["detail"] == "seeded 9"
    assert body["entries"][0]["user_name"] == "Clinician a"
    assert admin.api("GET", "/api/v1/audit?patient_id=abc").status_code == 422


def test_users_api(app: Any, two_clinics: tuple[ClinicSeed, ClinicSeed]) -> None:
    a, b = two_clinics
    admin = Client(app).login(a.admin.email)
    users = admin.api("GET", "/api/v1/users").json()
    assert {u["email"] for u in users} == {
        a.admin.email,
        a.clinician.email,
        a.patient.email,
        a.other_patient.email,
    }
    body = {"name": "Eli", "email": "eli@a.example.org", "role": "clinician", "password": PASSWORD}
    r = admin.api("POST", "/api/v1/users", json=body)
    assert r.status_code == 201 and r.json()["role"] == "clinician"
    assert "password" not in r.text
    assert admin.api("POST", "/api/v1/users", json=body).status_code == 409
    r = admin.api("POST", "/api/v1/users", json={**body, "email": "x@y.org", "password": "short"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "password"
    r = admin.api("POST", "/api/v1/users", json={**body, "email": "z@y.org", "role": "patient"})
    assert r.status_code == 422
    uid = admin.api("POST", "/api/v1/users", json={**body, "email": "f@a.example.org"}).json()["id"]
    r = admin.api("POST", f"/api/v1/users/{uid}/active", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = admin.api("POST", f"/api/v1/users/{a.admin.user_id}/active", json={"active": False})
    assert r.status_code == 400
    r = admin.api("POST", f"/api/v1/users/{b.admin.user_id}/active", json={"active": False})
    assert r.status_code == 404
    r = admin.api(
        "POST", f"/api/v1/patients/{a.other_patient_id}/account", json={"email": "bob@x.org"}
    )
    assert r.status_code == 200
    out = r.json()
    assert out["created"] is False and out["email"] == "bob@x.org"
    assert _login_status(app, "bob@x.org", out["temporary_password"]) == 303
    r = admin.api("POST", f"/api/v1/patients/{b.patient_id}/account", json={"email": "steal@x.org"})
    assert r.status_code == 404
