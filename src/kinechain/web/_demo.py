"""A labelled demo clinic for `make run`: users, one patient with a visit.

Everything in it is invented and labelled as demo data. Its passwords are printed by
``kinechain serve --demo``; never use ``--demo`` on a server holding real patients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kinechain.store import Clinic, Patient, User, Visit
from kinechain.web._security import hash_password

DEMO_CLINIC = "Demo clinic (invented data)"
DEMO_PASSWORD = "demo-kinechain-2026"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin@demo.kinechain.org", DEMO_PASSWORD),
    DemoLogin("clinician", "clinician@demo.kinechain.org", DEMO_PASSWORD),
    DemoLogin("patient", "patient@demo.kinechain.org", DEMO_PASSWORD),
)


def seed_demo(sessions: sessionmaker[Session]) -> tuple[int, bool]:
    """Create the demo clinic unless it exists; (clinic id, created now)."""
    from kinechain.clinic import intake_template

    with sessions() as db, db.begin():
        found = db.scalars(select(Clinic).where(Clinic.name == DEMO_CLINIC)).first()
        if found is not None:
            return found.id, False
        clinic = Clinic(name=DEMO_CLINIC)
        db.add(clinic)
        db.flush()
        patient = Patient(
            clinic_id=clinic.id,
            name="Demo Patient (invented)",
            reference="DEMO-0001",
            date_of_birth=dt.date(1981, 3, 14),
            sex="female",
            height_m=1.58,
            mass_kg=60.3,
            notes="Invented demo record: calf tightness on the left, low back pain.",
        )
        db.add(patient)
        db.flush()
        for login in DEMO_LOGINS:
            db.add(
                User(
                    clinic_id=clinic.id,
                    email=login.email,
                    name=f"Demo {login.role}",
                    role=login.role,
                    password_hash=hash_password(login.password),
                    patient_id=patient.id if login.role == "patient" else None,
                )
            )
        intake = intake_template(full=True)
        intake["date"] = (dt.date.today() - dt.timedelta(days=21)).isoformat()
        intake["notes"] = "Invented demo intake."
        # Same height and mass as the shared Vicon walk the demo can analyse.
        intake["patient"].update({"height_m": 1.58, "mass_kg": 60.3, "id": "DEMO-0001"})
        db.add(
            Visit(
                clinic_id=clinic.id,
                patient_id=patient.id,
                date=dt.date.today() - dt.timedelta(days=21),
                intake=intake,
            )
        )
        return clinic.id, True
