"""The FastAPI application: pages (Jinja2, no front-end build) and the JSON API /api/v1."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinechain import __version__
from kinechain.errors import KinechainError
from kinechain.store import make_engine, session_factory, upgrade
from kinechain.store._blobs import BlobStore
from kinechain.web._deps import LoginRequired, render
from kinechain.web._settings import Settings

HERE = Path(__file__).parent
log = logging.getLogger("kinechain.web")

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ),
]


class SecurityHeaders:
    """Adds security headers; pages and API answers holding health data are never cached."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                resp = JSONResponse(
                    {"detail": f"request larger than the {self.max_body / 2**20:.0f} MB limit"},
                    status_code=413,
                )
                await resp(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """Build the app for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    app = FastAPI(
        title="kinechain clinic",
        version=__version__,
        description=(
            "Calf tightness → kinetic chain → lumbar load, for physical therapists and their "
            "patients. Every operation of the pages is also here, under /api/v1. Sign in with "
            "POST /api/v1/session and send the token as `Authorization: Bearer <token>`."
        ),
        docs_url=None,  # Swagger UI loads scripts from a CDN: offline and the CSP refuse it
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
    app.state.blobs = BlobStore(settings.files_dir)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from kinechain.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "detail": exc.detail},
            exc.status_code,
        )

    @app.exception_handler(KinechainError)
    async def _kc(request: Request, exc: KinechainError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return render(request, "error.html", {"status": 400, "detail": str(exc)}, 400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        text = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return render(request, "error.html", {"status": 400, "detail": text}, 400)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        detail = "internal error: it has been logged; please try again or report it"
        if _wants_json(request):
            return JSONResponse({"detail": detail}, status_code=500)
        return render(request, "error.html", {"status": 500, "detail": detail}, 500)

    app.add_middleware(SecurityHeaders, max_body=settings.max_upload_bytes + 1024 * 1024)
    return app


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    return create_app(settings).openapi()
