"""A labelled demo clinic for `make run`: users, one patient with a visit.

Everything in it is invented and labelled as demo data. Its passwords are printed by
``kinechain serve --demo``; never use ``--demo`` on a server holding real patients.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kinechain.store import Clinic, Patient, User, Visit
from kinechain.store._blobs import BlobStore
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


def _shared_walk() -> tuple[Path, Path] | None:
    """The shared Vicon walk and its static (HC032A03/A01), when they are on this machine."""
    env = os.environ.get("KINECHAIN_DEMO_SHARED")
    root = Path(env) if env else Path.cwd().parent / "shared" / "data"
    walk = root / "c3d" / "biomechzoo" / "HC032A03.c3d"
    static = root / "c3d" / "biomechzoo" / "HC032A01.c3d"
    return (walk, static) if walk.is_file() and static.is_file() else None


def seed_demo(sessions: sessionmaker[Session], blobs: BlobStore | None = None) -> tuple[int, bool]:
    """Create the demo clinic unless it exists; (clinic id, created now).

    The demo visit is assessed; with ``blobs`` and the shared recordings available, it also
    holds the HC032A03 walk and its static trial, queued for the worker to analyse.
    """
    from kinechain.clinic import intake_template
    from kinechain.store._jobs import add_upload, enqueue
    from kinechain.store._visits import reassess

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
        visit = Visit(
            clinic_id=clinic.id,
            patient_id=patient.id,
            date=dt.date.today() - dt.timedelta(days=21),
            intake=intake,
        )
        db.add(visit)
        db.flush()
        reassess(db, visit)
        files = _shared_walk() if blobs is not None else None
        if files is not None and blobs is not None:
            uploads = []
            for path, static in ((files[1], True), (files[0], False)):
                with path.open("rb") as fh:
                    uploads.append(
                        add_upload(
                            db,
                            blobs,
                            visit,
                            fh,
                            path.name,
                            limit=1 << 30,
                            user_id=None,
                            static=static,
                        )
                    )
            enqueue(db, visit, uploads[1], static_upload=uploads[0], options={"flat_foot": True})
        return clinic.id, True
