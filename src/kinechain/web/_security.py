"""Passwords (argon2id), sessions, CSRF tokens, sign-in rate limiting and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kinechain.store import AuditEntry, LoginAttempt, User, UserSession, utcnow

# argon2id, RFC 9106 "second recommended" profile (64 MiB, t=3, p=4).
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
# A real hash to verify against when the e-mail is unknown, so timing does not tell.
_DUMMY = _HASHER.hash("kinechain-no-such-user")

SESSION_COOKIE = "kc_session"
MIN_PASSWORD = 10


def set_hash_cost(*, time_cost: int, memory_kib: int) -> None:
    """Change the argon2 cost (tests use a cheap one; production keeps the default)."""
    global _HASHER, _DUMMY
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=4)
    _DUMMY = _HASHER.hash("kinechain-no-such-user")


def hash_params() -> tuple[str, int, int]:
    """(variant, time cost, memory KiB) of the hasher in use."""
    return (_HASHER.type.name.lower(), _HASHER.time_cost, _HASHER.memory_cost)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    if len(password) > 1024:
        return "use at most 1024 characters"
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """A snapshot of the signed-in user (plain values, safe after the session closes)."""

    id: int
    clinic_id: int
    role: str
    name: str
    email: str
    patient_id: int | None

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.clinic_id, user.role, user.name, user.email, user.patient_id)


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request and their session's CSRF token."""

    user: Account
    csrf_token: str
    token_hash: str
    bearer: bool = False


def start_session(db: Session, user: User, hours: float) -> tuple[str, str]:
    """Create a session; return the token for the cookie and its CSRF token."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        UserSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    db.execute(delete(UserSession).where(UserSession.expires_at < now))
    return token, csrf


def load_session(db: Session, token: str | None, *, bearer: bool = False) -> SignedIn | None:
    if not token or len(token) > 200:
        return None
    digest = _digest(token)
    row = db.get(UserSession, digest)
    if row is None or row.expires_at < utcnow():
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return SignedIn(
        user=Account.of(user), csrf_token=row.csrf_token, token_hash=digest, bearer=bearer
    )


def end_session(db: Session, token_hash: str) -> None:
    db.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def login_blocked(
    db: Session, email: str, ip: str, *, max_failures: int, window_minutes: float
) -> float | None:
    """Minutes until sign-in is allowed again, or None when not blocked."""
    since = utcnow() - dt.timedelta(minutes=window_minutes)
    for column, value, limit in (
        (LoginAttempt.email, email, max_failures),
        (LoginAttempt.ip, ip, max_failures * 4),
    ):
        q = select(func.count(), func.min(LoginAttempt.at)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
        count, first = db.execute(q).one()
        if count >= limit and first is not None:
            wait = first + dt.timedelta(minutes=window_minutes) - utcnow()
            return max(wait.total_seconds() / 60.0, 0.1)
    return None


def record_login(db: Session, email: str, ip: str, success: bool) -> None:
    db.add(LoginAttempt(email=email, ip=ip, success=success))
    if success:
        db.execute(
            delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.success.is_(False))
        )


def audit(
    db: Session,
    user: User | Account | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    ip: str | None = None,
    detail: str | None = None,
) -> None:
    """Write one audit entry (ids and a short detail only, never patient data)."""
    db.add(
        AuditEntry(
            clinic_id=clinic_id if clinic_id is not None else (user.clinic_id if user else None),
            user_id=user.id if user else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            ip=ip,
            detail=(detail or "")[:300] or None,
        )
    )
