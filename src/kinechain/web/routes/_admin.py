"""Users and accounts (clinic staff, patient logins) and the audit log (pages and API).

Admins manage the clinic's staff and read the audit log; any staff member can create or
reset a patient's login, whose temporary password is shown once and never stored in clear.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kinechain.store import AuditEntry, Patient, User, UserSession
from kinechain.web._deps import Admin, Db, Staff, client_ip, patient_for, render
from kinechain.web._forms import parse_form
from kinechain.web._security import SignedIn, audit, hash_password, password_problem

router = APIRouter()

# Ids fit the database's 32-bit integers; larger ones are refused before any query.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]

PER_PAGE = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(v: str) -> str:
    v = v.strip().lower()
    if len(v) > 254 or not _EMAIL.match(v) or any(ord(c) < 32 for c in v):
        raise ValueError("enter an e-mail address like name@example.org")
    return v


class StaffIn(BaseModel):
    """A clinician or admin account as an admin types it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254)
    role: Literal["clinician", "admin"] = "clinician"
    password: str = Field(max_length=1024)

    @field_validator("email")
    @classmethod
    def _e(cls, v: str) -> str:
        return _email(v)

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        if any(ord(c) < 32 for c in v):
            raise ValueError("remove control characters from the name")
        return v

    @field_validator("password")
    @classmethod
    def _pw(cls, v: str) -> str:
        problem = password_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    role: str
    active: bool
    patient_id: int | None
    created_at: dt.datetime


class ActiveIn(BaseModel):
    active: bool


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _e(cls, v: str) -> str:
        return _email(v)


class AccountOut(BaseModel):
    user_id: int
    email: str
    patient_id: int
    created: bool
    temporary_password: str = Field(description="Shown once; give it to the patient")


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    user_id: int | None
    user_name: str | None = None
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    ip: str | None
    detail: str | None


class AuditPage(BaseModel):
    page: int
    per_page: int
    total: int
    entries: list[AuditOut]


def _email_taken(db: Session, email: str, except_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    return db.scalar(stmt.limit(1)) is not None


def _clinic_users(db: Session, who: SignedIn) -> list[User]:
    stmt = select(User).where(User.clinic_id == who.user.clinic_id)
    return list(db.scalars(stmt.order_by(User.role, User.name, User.id)))


def _create_staff(db: Session, who: SignedIn, data: StaffIn, request: Request) -> User:
    u = User(
        clinic_id=who.user.clinic_id,
        email=data.email,
        name=data.name,
        role=data.role,
        password_hash=hash_password(data.password),
    )
    db.add(u)
    db.flush()
    audit(db, who.user, "create", "user", u.id, ip=client_ip(request), detail=f"role {u.role}")
    return u


def _user_in_clinic(db: Session, who: SignedIn, user_id: int) -> User:
    u = db.get(User, user_id)
    if u is None or u.clinic_id != who.user.clinic_id:
        raise HTTPException(404, "no such user")
    return u


def _set_active(db: Session, who: SignedIn, user_id: int, active: bool, request: Request) -> User:
    u = _user_in_clinic(db, who, user_id)
    if u.id == who.user.id and not active:
        raise HTTPException(400, "you cannot deactivate your own account")
    u.active = active
    if not active:
        db.execute(delete(UserSession).where(UserSession.user_id == u.id))
    audit(
        db,
        who.user,
        "update",
        "user",
        u.id,
        patient_id=u.patient_id,
        ip=client_ip(request),
        detail="reactivated" if active else "deactivated",
    )
    return u


def _users_page(
    request: Request,
    db: Session,
    who: SignedIn,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    message: str | None = None,
) -> Response:
    users = _clinic_users(db, who)
    patients = {
        p.id: p.name
        for p in db.scalars(
            select(Patient).where(Patient.id.in_([u.patient_id for u in users if u.patient_id]))
        )
    }
    return render(
        request,
        "admin_users.html",
        {
            "users": users,
            "patients": patients,
            "values": values or {"role": "clinician"},
            "errors": errors or {},
            "message": message,
        },
        status,
    )


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, db: Db, who: Admin) -> Response:
    return _users_page(request, db, who)


@router.post("/admin/users", include_in_schema=False)
def add_user(
    request: Request,
    db: Db,
    who: Admin,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "clinician",
    password: Annotated[str, Form()] = "",
) -> Response:
    values = {"name": name, "email": email, "role": role}
    data, errors = parse_form(StaffIn, {**values, "password": password})
    if data is not None and _email_taken(db, data.email):
        errors = {"email": "this e-mail already has an account"}
    if data is None or errors:
        return _users_page(request, db, who, values, errors, 400)
    u = _create_staff(db, who, data, request)
    return _users_page(request, db, who, message=f"Added {u.name} ({u.role}).")


@router.post("/admin/users/{user_id}/active", include_in_schema=False)
def set_active(
    request: Request,
    db: Db,
    who: Admin,
    user_id: Id,
    active: Annotated[str, Form()] = "",
) -> Response:
    _user_in_clinic(db, who, user_id)
    if active not in {"0", "1"}:
        raise HTTPException(400, "active must be 0 or 1")
    try:
        _set_active(db, who, user_id, active == "1", request)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        return _users_page(request, db, who, status=400, message=str(exc.detail))
    return RedirectResponse("/admin/users", status_code=303)


# --- patient logins ----------------------------------------------------------------------


def temporary_password() -> str:
    """A random password for a new or reset patient login (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _set_account(
    db: Session, who: SignedIn, p: Patient, email: str, request: Request
) -> tuple[User, str, bool]:
    """Create or reset ``p``'s login; (user, temporary password, created)."""
    existing = db.scalars(select(User).where(User.patient_id == p.id).order_by(User.id)).first()
    if _email_taken(db, email, existing.id if existing else None):
        raise ValueError("this e-mail already has an account")
    password = temporary_password()
    created = existing is None
    if existing is None:
        u = User(
            clinic_id=p.clinic_id,
            email=email,
            name=p.name,
            role="patient",
            patient_id=p.id,
            password_hash=hash_password(password),
        )
        db.add(u)
        db.flush()
    else:
        u = existing
        u.email = email
        u.password_hash = hash_password(password)
        u.active = True
        db.execute(delete(UserSession).where(UserSession.user_id == u.id))
    audit(
        db,
        who.user,
        "create" if created else "update",
        "user",
        u.id,
        patient_id=p.id,
        ip=client_ip(request),
        detail="patient login created" if created else "patient login reset",
    )
    return u, password, created


@router.get("/patients/{patient_id}/account", include_in_schema=False)
def account_page(request: Request, db: Db, who: Staff, patient_id: Id) -> Response:
    p = patient_for(db, who, patient_id, request)
    account = db.scalars(select(User).where(User.patient_id == p.id).order_by(User.id)).first()
    values = {"email": account.email if account else ""}
    return render(
        request,
        "account.html",
        {"patient": p, "account": account, "values": values, "errors": {}, "password": None},
    )


@router.post("/patients/{patient_id}/account", include_in_schema=False)
def account_set(
    request: Request,
    db: Db,
    who: Staff,
    patient_id: Id,
    email: Annotated[str, Form()] = "",
) -> Response:
    p = patient_for(db, who, patient_id, request, action="update")
    data, errors = parse_form(AccountIn, {"email": email})
    ctx: dict[str, Any] = {"patient": p, "values": {"email": email}, "password": None}
    if data is not None:
        try:
            u, password, created = _set_account(db, who, p, data.email, request)
        except ValueError as exc:
            errors = {"email": str(exc)}
        else:
            ctx.update(account=u, password=password, created=created, errors={})
            return render(request, "account.html", ctx)
    account = db.scalars(select(User).where(User.patient_id == p.id)).first()
    ctx.update(account=account, errors=errors)
    return render(request, "account.html", ctx, 400)


# --- audit log ---------------------------------------------------------------------------


def _int_or_none(v: str, field: str, errors: dict[str, str]) -> int | None:
    if not v.strip():
        return None
    try:
        n = int(v)
    except ValueError:
        errors[field] = "enter a whole number"
        return None
    if not 0 < n < 2**31:
        errors[field] = "enter a positive id"
        return None
    return n


def _date_or_none(v: str, field: str, errors: dict[str, str]) -> dt.date | None:
    if not v.strip():
        return None
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        errors[field] = "enter a date as YYYY-MM-DD"
        return None


def _audit_query(
    db: Session,
    who: SignedIn,
    *,
    patient_id: int | None,
    user_id: int | None,
    action: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    page: int,
) -> tuple[list[AuditOut], int]:
    conds = [AuditEntry.clinic_id == who.user.clinic_id]
    if patient_id is not None:
        conds.append(AuditEntry.patient_id == patient_id)
    if user_id is not None:
        conds.append(AuditEntry.user_id == user_id)
    if action.strip():
        conds.append(AuditEntry.action == action.strip()[:16])
    if date_from is not None:
        conds.append(AuditEntry.at >= dt.datetime.combine(date_from, dt.time()))
    if date_to is not None:
        conds.append(AuditEntry.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
    total = int(db.scalar(select(func.count()).select_from(AuditEntry).where(*conds)) or 0)
    rows = list(
        db.scalars(
            select(AuditEntry)
            .where(*conds)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    ids = {r.user_id for r in rows if r.user_id is not None}
    names = {u.id: u.name for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    out = []
    for r in rows:
        item = AuditOut.model_validate(r)
        item.user_name = names.get(r.user_id) if r.user_id is not None else None
        out.append(item)
    return out, total


def _actions(db: Session, who: SignedIn) -> list[str]:
    stmt = select(AuditEntry.action).where(AuditEntry.clinic_id == who.user.clinic_id)
    return sorted(set(db.scalars(stmt.distinct())))


@router.get("/admin/audit", include_in_schema=False)
def audit_page(
    request: Request,
    db: Db,
    who: Admin,
    patient_id: str = "",
    user_id: str = "",
    action: str = "",
    date_from: str = "",
    date_to: str = "",
    page: str = "1",
) -> Response:
    errors: dict[str, str] = {}
    pid = _int_or_none(patient_id, "patient_id", errors)
    uid = _int_or_none(user_id, "user_id", errors)
    d_from = _date_or_none(date_from, "date_from", errors)
    d_to = _date_or_none(date_to, "date_to", errors)
    page_no = _int_or_none(page, "page", errors) or 1
    page_no = min(page_no, 10**6)
    values = {
        "patient_id": patient_id,
        "user_id": user_id,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
    }
    entries, total = _audit_query(
        db,
        who,
        patient_id=pid,
        user_id=uid,
        action=action,
        date_from=d_from,
        date_to=d_to,
        page=page_no,
    )
    pages = max(1, -(-total // PER_PAGE))
    query = "&".join(f"{k}={v}" for k, v in values.items() if v and k not in errors)
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "total": total,
            "page": page_no,
            "pages": pages,
            "values": values,
            "errors": errors,
            "actions": _actions(db, who),
            "query": query,
        },
        400 if errors else 200,
    )


# --- API ---------------------------------------------------------------------------------


@router.get("/api/v1/users", tags=["users"])
def api_users(db: Db, who: Admin) -> list[UserOut]:
    """The clinic's logins: staff and patients."""
    return [UserOut.model_validate(u) for u in _clinic_users(db, who)]


@router.post("/api/v1/users", tags=["users"], status_code=201)
def api_add_user(request: Request, db: Db, who: Admin, body: StaffIn) -> UserOut:
    """Add a clinician or admin (e-mails are unique, case-insensitive)."""
    if _email_taken(db, body.email):
        raise HTTPException(409, "this e-mail already has an account")
    return UserOut.model_validate(_create_staff(db, who, body, request))


@router.post("/api/v1/users/{user_id}/active", tags=["users"])
def api_set_active(request: Request, db: Db, who: Admin, user_id: Id, body: ActiveIn) -> UserOut:
    """Deactivate (signs the user out everywhere) or reactivate a login."""
    return UserOut.model_validate(_set_active(db, who, user_id, body.active, request))


@router.post("/api/v1/patients/{patient_id}/account", tags=["users"])
def api_patient_account(
    request: Request, db: Db, who: Staff, patient_id: Id, body: AccountIn
) -> AccountOut:
    """Create or reset the patient's login; the temporary password is returned once."""
    p = patient_for(db, who, patient_id, request, action="update")
    try:
        u, password, created = _set_account(db, who, p, body.email, request)
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    return AccountOut(
        user_id=u.id, email=u.email, patient_id=p.id, created=created, temporary_password=password
    )


@router.get("/api/v1/audit", tags=["audit"])
def api_audit(
    db: Db,
    who: Admin,
    patient_id: Annotated[int | None, Query(gt=0, lt=2**31)] = None,
    user_id: Annotated[int | None, Query(gt=0, lt=2**31)] = None,
    action: Annotated[str, Query(max_length=16)] = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> AuditPage:
    """The clinic's audit log, newest first, 50 entries a page."""
    entries, total = _audit_query(
        db,
        who,
        patient_id=patient_id,
        user_id=user_id,
        action=action,
        date_from=date_from,
        date_to=date_to,
        page=page,
    )
    return AuditPage(page=page, per_page=PER_PAGE, total=total, entries=entries)
