"""Storage for the clinic web app: SQLAlchemy models, migrations, files, jobs, backups.

An adapter at the edge: the analysis and assessment it stores come from the same pure
functions the CLI calls.
"""

from kinechain.store._db import make_engine, session_factory, sqlite_url, transaction, upgrade
from kinechain.store._models import (
    ROLES,
    AuditEntry,
    Base,
    Blob,
    Clinic,
    ExerciseLog,
    Job,
    LoginAttempt,
    PainLog,
    Patient,
    QuestionnaireResponse,
    Upload,
    User,
    UserSession,
    Visit,
    utcnow,
)

__all__ = [
    "ROLES",
    "AuditEntry",
    "Base",
    "Blob",
    "Clinic",
    "ExerciseLog",
    "Job",
    "LoginAttempt",
    "PainLog",
    "Patient",
    "QuestionnaireResponse",
    "Upload",
    "User",
    "UserSession",
    "Visit",
    "make_engine",
    "session_factory",
    "sqlite_url",
    "transaction",
    "upgrade",
    "utcnow",
]
