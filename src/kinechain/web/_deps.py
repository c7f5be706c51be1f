"""Request dependencies: database session, the signed-in user, roles, CSRF, record access.

Every patient record goes through :func:`patient_for` / :func:`visit_for` / :func:`job_for`,
which scope the lookup to the user's clinic (and, for a patient account, to their own
record) and answer 404 otherwise, so that another clinic's ids are indistinguishable from
ids that do not exist. Each access is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from kinechain.store import Job, Patient, Upload, Visit
from kinechain.web._security import SESSION_COOKIE, SignedIn, audit, csrf_ok, load_session

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


def get_db(request: Request) -> Iterator[Session]:
    """The request's session, committed when the route returns and before the response goes.

    ``scope="function"`` below: with FastAPI's default ("request") the commit would run
    only after the response was sent, so a client could be told "stored" about a change that
    a crash (or a failing commit) then loses.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
        lock = request.app.state.write_lock
        if lock is None:
            session.commit()
        else:
            # SQLite has one writer at a time; queueing this process's commits on a lock is
            # fairer and faster than SQLite's sleep-and-retry busy handler.
            with lock:
                session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token(request: Request) -> tuple[str | None, bool]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), True
    return request.cookies.get(SESSION_COOKIE), False


def optional_user(request: Request, db: Db) -> SignedIn | None:
    token, bearer = _token(request)
    who = load_session(db, token, bearer=bearer)
    request.state.who = who
    return who


async def _form_token(request: Request) -> str | None:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def csrf_token_sent(request: Request) -> str | None:
    """The CSRF token a request carries (header, or form field for HTML forms)."""
    if request.method not in UNSAFE:
        return None
    return request.headers.get("x-csrf-token") or await _form_token(request)


def current_user(
    request: Request,
    db: Db,
    sent: Annotated[str | None, Depends(csrf_token_sent)],
) -> SignedIn:
    """The signed-in user; unsafe methods also need the session's CSRF token.

    A bearer token (API clients) is not sent by browsers on their own, so it needs none.
    """
    who = optional_user(request, db)
    if who is None:
        raise LoginRequired()
    if request.method in UNSAFE and not who.bearer and not csrf_ok(who.csrf_token, sent):
        raise HTTPException(403, "the form's security token is missing or out of date: reload")
    return who


User_ = Annotated[SignedIn, Depends(current_user)]


def staff(who: User_) -> SignedIn:
    if who.user.role not in {"admin", "clinician"}:
        raise HTTPException(403, "only clinic staff can do this")
    return who


def admin(who: User_) -> SignedIn:
    if who.user.role != "admin":
        raise HTTPException(403, "only a clinic admin can do this")
    return who


def patient_user(who: User_) -> SignedIn:
    if who.user.role != "patient" or who.user.patient_id is None:
        raise HTTPException(403, "this page is for patients")
    return who


Staff = Annotated[SignedIn, Depends(staff)]
Admin = Annotated[SignedIn, Depends(admin)]
PatientUser = Annotated[SignedIn, Depends(patient_user)]


def _visible(who: SignedIn, clinic_id: int, patient_id: int) -> bool:
    if clinic_id != who.user.clinic_id:
        return False
    return who.user.role != "patient" or who.user.patient_id == patient_id


def _log(
    db: Session,
    who: SignedIn,
    request: Request | None,
    action: str,
    entity: str,
    eid: int,
    pid: int,
) -> None:
    audit(
        db,
        who.user,
        action,
        entity,
        eid,
        patient_id=pid,
        ip=client_ip(request) if request is not None else None,
        detail=f"{request.method} {request.url.path}" if request is not None else None,
    )


MAX_ID = 2**31 - 1


def _id_ok(value: int) -> bool:
    """Ids outside the database's integer range cannot exist (and must not reach the DB)."""
    return 0 < value <= MAX_ID


_Record = TypeVar("_Record", Patient, Visit, Job, Upload)


def _owner(db: Session, row: Patient | Visit | Job | Upload) -> int | None:
    """The id of the patient a record belongs to (jobs and uploads through their visit)."""
    if isinstance(row, Patient):
        return row.id
    if isinstance(row, Visit):
        return row.patient_id
    visit = db.get(Visit, row.visit_id)
    return visit.patient_id if visit is not None else None


def _record(
    db: Session,
    who: SignedIn,
    model: type[_Record],
    record_id: int,
    noun: str,
    request: Request | None,
    action: str,
) -> _Record:
    """Load one record the user may see (404 otherwise) and write the audit entry."""
    row = db.get(model, record_id) if _id_ok(record_id) else None
    owner = _owner(db, row) if row is not None else None
    if row is None or owner is None or not _visible(who, row.clinic_id, owner):
        raise HTTPException(404, f"no such {noun}")
    _log(db, who, request, action, model.__tablename__, row.id, owner)
    return row


def patient_for(
    db: Session,
    who: SignedIn,
    patient_id: int,
    request: Request | None = None,
    action: str = "read",
) -> Patient:
    return _record(db, who, Patient, patient_id, "patient", request, action)


def visit_for(
    db: Session, who: SignedIn, visit_id: int, request: Request | None = None, action: str = "read"
) -> Visit:
    return _record(db, who, Visit, visit_id, "visit", request, action)


def job_for(
    db: Session, who: SignedIn, job_id: int, request: Request | None = None, action: str = "read"
) -> Job:
    return _record(db, who, Job, job_id, "analysis", request, action)


def upload_for(
    db: Session, who: SignedIn, upload_id: int, request: Request | None = None, action: str = "read"
) -> Upload:
    return _record(db, who, Upload, upload_id, "file", request, action)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Render a page template with the signed-in user and CSRF token in its context."""
    who: SignedIn | None = getattr(request.state, "who", None)
    ctx: dict[str, Any] = {
        "who": who,
        "user": who.user if who else None,
        "csrf_token": who.csrf_token if who else "",
    }
    ctx.update(context or {})
    resp: Response = request.app.state.templates.TemplateResponse(
        request, name, ctx, status_code=status
    )
    return resp
