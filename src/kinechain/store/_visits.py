"""Keep a visit's assessment in step with its intake and gait analysis.

Calls the same pure :func:`kinechain._assess.assess` as ``kinechain assess``; the stored
``Visit.assessment`` is exactly the CLI's assessment.json. A program the clinician has
adjusted (``program_edited``) is kept; otherwise the assessment's program is used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from kinechain.errors import KinechainError
from kinechain.store._models import Job, Visit, utcnow


def gait_metrics(db: Session, visit: Visit) -> dict[str, Any] | None:
    """metrics.json of the visit's chosen gait analysis, when it finished."""
    if visit.gait_job_id is None:
        return None
    job = db.get(Job, visit.gait_job_id)
    if job is None or job.status != "done" or job.visit_id != visit.id:
        return None
    return job.result


def reassess(db: Session, visit: Visit, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """Recompute ``visit.assessment`` (and its program unless edited); return it.

    A problem with the inputs (e.g. the gait file is of another person) is stored in
    ``visit.assess_error`` as one line, and the previous assessment is cleared.
    """
    from kinechain._assess import assess
    from kinechain.clinic import parse_intake

    intake_doc = dict(visit.intake or {})
    intake_doc.setdefault("schema", "kinechain.intake/1")
    intake_doc.setdefault("date", visit.date.isoformat())
    gait = gait_metrics(db, visit)
    try:
        intake = parse_intake(intake_doc, source=f"visit {visit.id} intake")
        result = assess(intake, gait, gait_source=f"analysis {visit.gait_job_id}", today=today)
    except KinechainError as exc:
        visit.assessment = None
        visit.assess_error = str(exc)
        visit.assessed_at = utcnow()
        return None
    data = result.to_dict()
    visit.assessment = data
    visit.assess_error = None
    visit.assessed_at = utcnow()
    if not visit.program_edited:
        visit.program = data.get("program")
    return data
