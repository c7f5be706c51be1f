"""Helpers for the web tests: seeded clinics and a signed-in test client."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any

from kinechain.store import Clinic, Patient, User, UserSession
from kinechain.web._security import hash_password

PASSWORD = "correct horse battery"

PG_URL = os.environ.get(
    "KINECHAIN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_reason() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'kinechain[postgres]')"
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:
        return (
            f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}): PostgreSQL tests skipped"
        )
    return None


_PG_SKIP = _pg_reason()


@dataclass
class Person:
    email: str
    role: str
    user_id: int
    clinic_id: int
    patient_id: int | None = None


@dataclass
class ClinicSeed:
    clinic_id: int
    admin: Person
    clinician: Person
    patient: Person
    patient_id: int
    other_patient: Person
    other_patient_id: int
    people: dict[str, Person] = field(default_factory=dict)


def seed_clinic(app: Any, tag: str) -> ClinicSeed:
    """A clinic with an admin, a clinician and two patients with logins."""
    with app.state.sessions() as db, db.begin():
        clinic = Clinic(name=f"Clinic {tag}")
        db.add(clinic)
        db.flush()
        pats = []
        for i, (name, h, m) in enumerate(
            (("Ann Example", 1.65, 62.0), ("Bob Example", 1.80, 80.0))
        ):
            p = Patient(
                clinic_id=clinic.id,
                name=f"{name} {tag}",
                reference=f"{tag}-{i}",
                sex="female" if i == 0 else "male",
                height_m=h,
                mass_kg=m,
            )
            db.add(p)
            db.flush()
            pats.append(p)
        people: dict[str, Person] = {}
        for role, pid in (
            ("admin", None),
            ("clinician", None),
            ("patient", pats[0].id),
            ("patient2", pats[1].id),
        ):
            email = f"{role}@{tag}.example.org"
            u = User(
                clinic_id=clinic.id,
                email=email,
                name=f"{role.title()} {tag}",
                role="patient" if role == "patient2" else role,
                password_hash=hash_password(PASSWORD),
                patient_id=pid,
            )
            db.add(u)
            db.flush()
            people[role] = Person(email, u.role, u.id, clinic.id, pid)
        return ClinicSeed(
            clinic.id,
            people["admin"],
            people["clinician"],
            people["patient"],
            pats[0].id,
            people["patient2"],
            pats[1].id,
            people,
        )


class Client:
    """A TestClient signed in through the real /login form, keeping its CSRF token."""

    def __init__(self, app: Any) -> None:
        from fastapi.testclient import TestClient

        self.app = app
        self.http = TestClient(
            app,
            base_url="https://testserver",
            raise_server_exceptions=False,
            follow_redirects=False,
        )
        self.csrf = ""

    def login(self, email: str, password: str = PASSWORD) -> Client:
        r = self.http.post("/login", data={"email": email, "password": password})
        assert r.status_code == 303, r.text
        token = self.http.cookies.get("kc_session")
        assert token
        with self.app.state.sessions() as db:
            row = db.get(UserSession, hashlib.sha256(token.encode()).hexdigest())
            assert row is not None
            self.csrf = row.csrf_token
        return self

    def get(self, url: str, **kw: Any) -> Any:
        return self.http.get(url, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any
    ) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(url, data=data, **kw)

    def api(self, method: str, url: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.http.request(method, url, headers=headers, **kw)


def csrf_in(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)
