"""Form handling shared by pages: field-by-field errors that keep what the user typed."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """``{"field": "message"}`` for each problem (first one per field), in plain words."""
    out: dict[str, str] = {}
    for e in exc.errors():
        loc = ".".join(str(p) for p in e.get("loc", ())) or "form"
        msg = str(e.get("msg", "invalid value"))
        msg = msg.removeprefix("Value error, ")
        out.setdefault(loc, msg)
    return out


def parse_form(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Validate ``data`` (empty strings → missing) with ``model``; (value, errors)."""
    clean = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
    clean = {k: v for k, v in clean.items() if v is not None}
    try:
        return model.model_validate(clean), {}
    except ValidationError as exc:
        return None, field_errors(exc)
