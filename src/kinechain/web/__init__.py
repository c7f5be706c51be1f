"""The clinic web app (FastAPI, server-rendered pages and /api/v1). Needs the ``web`` extra."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

from kinechain.web._settings import Settings


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """The FastAPI app for ``settings`` (default: ``KINECHAIN_*`` environment)."""
    from kinechain.web._app import create_app as _create

    return _create(settings, migrate=migrate)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory kinechain.web:app_from_env``."""
    return create_app(Settings.from_env(), migrate=False)


__all__ = ["Settings", "app_from_env", "create_app"]
