"""Sign in and out (pages and API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, select

from kinechain.store import User
from kinechain.web._deps import Db, User_, client_ip, optional_user, render
from kinechain.web._security import (
    SESSION_COOKIE,
    Account,
    SignedIn,
    audit,
    end_session,
    login_blocked,
    record_login,
    start_session,
    verify_password,
)

router = APIRouter()


def home_for(user: User | Account) -> str:
    return "/me" if user.role == "patient" else "/patients"


def _safe_next(target: str | None, user: User | Account) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return home_for(user)


def _authenticate(db: Db, request: Request, email: str, password: str) -> User:
    """The user for these credentials; raises 429 when rate-limited, 401 when wrong."""
    settings = request.app.state.settings
    email = email.strip().lower()
    ip = client_ip(request)
    wait = login_blocked(
        db,
        email,
        ip,
        max_failures=settings.login_max_failures,
        window_minutes=settings.login_window_minutes,
    )
    if wait is not None:
        raise HTTPException(
            429, f"too many failed sign-ins: try again in {max(1, round(wait))} minutes"
        )
    user = db.scalars(select(User).where(func.lower(User.email) == email)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        record_login(db, email, ip, False)
        audit(
            db,
            None,
            "login_failed",
            "user",
            user.id if user else None,
            clinic_id=user.clinic_id if user else None,
            ip=ip,
        )
        db.commit()
        raise HTTPException(401, "e-mail or password is wrong")
    record_login(db, email, ip, True)
    audit(db, user, "login", "user", user.id, ip=ip)
    return user


def _cookie_secure(request: Request, wanted: bool) -> bool:
    """Secure cookies everywhere, except plain HTTP to a loopback IP literal.

    Browsers accept Secure cookies from http://localhost but refuse them from
    http://127.0.0.1, and loopback traffic never leaves the machine.
    """
    host = (request.url.hostname or "").strip("[]")
    return wanted and not (request.url.scheme == "http" and host in {"127.0.0.1", "::1"})


@router.get("/", include_in_schema=False)
def home(request: Request, who: Annotated[SignedIn | None, Depends(optional_user)]) -> Response:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_for(who.user), status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": next, "email": "", "error": None})


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = _authenticate(db, request, email, password)
    except HTTPException as exc:
        return render(
            request,
            "login.html",
            {"next": next, "email": email, "error": exc.detail},
            exc.status_code,
        )
    settings = request.app.state.settings
    token, _ = start_session(db, user, settings.session_hours)
    resp = RedirectResponse(_safe_next(next, user), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=_cookie_secure(request, settings.cookie_secure),
        samesite="lax",
        path="/",
    )
    return resp


@router.post("/logout", include_in_schema=False)
def logout(db: Db, who: User_) -> Response:
    end_session(db, who.token_hash)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


class Credentials(BaseModel):
    email: str
    password: str


class SessionOut(BaseModel):
    token: str
    csrf_token: str
    user_id: int
    role: str
    clinic_id: int
    patient_id: int | None


@router.post("/api/v1/session", tags=["session"])
def api_login(request: Request, db: Db, body: Credentials) -> SessionOut:
    """Sign in; send the token back as ``Authorization: Bearer <token>``."""
    user = _authenticate(db, request, body.email, body.password)
    token, csrf = start_session(db, user, request.app.state.settings.session_hours)
    return SessionOut(
        token=token,
        csrf_token=csrf,
        user_id=user.id,
        role=user.role,
        clinic_id=user.clinic_id,
        patient_id=user.patient_id,
    )


@router.delete("/api/v1/session", tags=["session"], status_code=204)
def api_logout(db: Db, who: User_) -> Response:
    end_session(db, who.token_hash)
    return Response(status_code=204)
