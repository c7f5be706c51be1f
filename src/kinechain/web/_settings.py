"""Web app settings, from arguments or ``KINECHAIN_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    """Where the app keeps its data, and its security knobs.

    Attributes
    ----------
    data_dir : Path
        Holds the SQLite database (``kinechain.db``) and uploaded files (``files/``).
    database_url : str
        SQLAlchemy URL; default SQLite in ``data_dir``. ``postgresql://…`` for a server.
    cookie_secure : bool
        Send the session cookie only over HTTPS (browsers also send it to http://localhost).
    max_upload_bytes : int
        Uploads above this are refused with 413.
    session_hours : float
        A session expires this long after sign-in.
    login_max_failures : int
        Failed sign-ins allowed per e-mail (and 4× that per client address) in
        ``login_window_minutes`` before further attempts get 429.
    """

    data_dir: Path = field(default_factory=lambda: Path("kinechain-data"))
    database_url: str | None = None
    cookie_secure: bool = True
    max_upload_bytes: int = 200 * 1024 * 1024
    session_hours: float = 12.0
    login_max_failures: int = 5
    login_window_minutes: float = 15.0
    start_worker: bool = False

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kinechain.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        if "KINECHAIN_DATA" in os.environ:
            values["data_dir"] = Path(os.environ["KINECHAIN_DATA"])
        if os.environ.get("KINECHAIN_DATABASE_URL"):
            values["database_url"] = os.environ["KINECHAIN_DATABASE_URL"]
        values["cookie_secure"] = _env_bool("KINECHAIN_COOKIE_SECURE", True)
        if os.environ.get("KINECHAIN_MAX_UPLOAD_MB"):
            values["max_upload_bytes"] = int(float(os.environ["KINECHAIN_MAX_UPLOAD_MB"]) * 2**20)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
