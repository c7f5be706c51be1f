"""Security suite over EVERY route of the app, found at collection time from ``app.routes``.

For each route and method: another clinic's clinician and admin get 403/404 on clinic A's
records; patient 2 of clinic A cannot reach patient 1's records; unsafe methods without the
CSRF token are refused; signed-out requests are sent to /login (pages) or get 401 (API);
junk in path parameters and bodies never gives a 500 or a stack trace. A route with a path
parameter this file does not know makes the tests fail with "add <name> to the map".
Runs on SQLite and PostgreSQL (each in its own database/schema, set up once per backend).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import tempfile
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from test_export import Record, populate
from webkit import Client, ClinicSeed, seed_clinic

from kinechain.store import Patient, User, make_engine, upgrade
from kinechain.web import Settings, create_app
from kinechain.web._security import hash_password

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Routes anyone may call without signing in.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/v1/session"), ("GET", "/")}
# Path parameters naming something other than a clinic record (value used as is).
NEUTRAL = {"exercise_id": "gastrocnemius_stretch"}
# Names that appear in clinic A's data and must never reach anyone outside it.
A_SECRETS = ("Ann Example a", "Bob Example a", "@a.example.org")


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every APIRoute, also inside included routers."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield prefix + r.path, r
        elif hasattr(r, "original_router"):  # FastAPI's lazily included routers
            sub = prefix + getattr(getattr(r, "include_context", None), "prefix", "")
            yield from api_routes(list(r.original_router.routes), sub)


def _routes() -> list[tuple[str, str]]:
    tmp = tempfile.mkdtemp(prefix="kc-routes-")
    app = create_app(Settings(data_dir=Path(tmp)), migrate=False)
    out = set()
    for path, r in api_routes(list(app.routes)):
        if path.startswith(("/static", "/api/docs")) or path.endswith("openapi.json"):
            continue
        for m in r.methods - {"HEAD", "OPTIONS"}:
            out.add((m, path))
    app.state.engine.dispose()
    assert out, "no routes found in the app"
    return sorted(out)


ROUTES = _routes()
IDS = [f"{m} {p}" for m, p in ROUTES]
PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def _params(path: str) -> list[str]:
    return PARAM.findall(path)


# --- the world: two clinics, a populated patient, signed-in clients -----------------------


@dataclass
class World:
    app: Any
    a: ClinicSeed
    b: ClinicSeed
    rec: Record
    ids: dict[str, Any]
    clients: dict[str, Client] = field(default_factory=dict)
    routes: dict[tuple[str, str], APIRoute] = field(default_factory=dict)


def _ids(rec: Record, a: ClinicSeed) -> dict[str, Any]:
    return {
        "patient_id": rec.patient_id,
        "visit_id": rec.visit_id,
        "upload_id": rec.upload_id,
        "job_id": rec.job_id,
        "user_id": a.clinician.user_id,
        "exercise_log_id": rec.exercise_log_id,
        "log_id": rec.exercise_log_id,
        "pain_log_id": rec.pain_log_id,
        "response_id": rec.response_id,
        "questionnaire_response_id": rec.response_id,
        "sha256": rec.sha256,
    }


def _pg_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    import sqlalchemy as sa
    from webkit import _PG_SKIP, PG_URL

    if _PG_SKIP is not None:
        pytest.skip(_PG_SKIP)
    schema = f"kc_sec_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _build(settings: Settings) -> World:
    app = create_app(settings)
    a, b = seed_clinic(app, "a"), seed_clinic(app, "b")
    rec = populate(app, a)
    w = World(app, a, b, rec, _ids(rec, a))
    for name, email in (
        ("a_admin", a.admin.email),
        ("a_clinician", a.clinician.email),
        ("a_patient", a.patient.email),
        ("a_patient2", a.other_patient.email),
        ("b_admin", b.admin.email),
        ("b_clinician", b.clinician.email),
    ):
        w.clients[name] = Client(app).login(email)
    w.routes = {(m, path): r for path, r in api_routes(list(app.routes)) for m in r.methods}
    return w


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"sec-{request.param}")
    if request.param == "postgresql":
        gen = _pg_schema_url(request)
        url = next(gen)
        w = _build(Settings(data_dir=tmp, database_url=url))
        yield w
        w.app.state.engine.dispose()
        gen.close()
    else:
        w = _build(Settings(data_dir=tmp))
        yield w
        w.app.state.engine.dispose()


# --- request helpers -----------------------------------------------------------------------


def _url(path: str, ids: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in NEUTRAL:
            return str(NEUTRAL[name])
        if name not in ids:
            pytest.fail(f"route {path}: unknown path parameter {name!r}: add {name} to the map")
        return str(ids[name])

    return PARAM.sub(sub, path)


def _example(schema: dict[str, Any], defs: dict[str, Any], name: str = "") -> Any:
    """A small value valid for a JSON schema (for sending plausible bodies)."""
    if "$ref" in schema:
        return _example(defs[schema["$ref"].split("/")[-1]], defs, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _example(options[0], defs, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k], defs, k) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return [_example(schema.get("items", {}), defs, name)] * int(schema.get("minItems", 0))
    if kind == "boolean":
        return True
    if kind in {"integer", "number"}:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2) - 1)
        value = min(max(low, 1), high)
        return int(value) if kind == "integer" else float(value)
    if schema.get("format") == "date":
        return "2025-01-15"
    if schema.get("format") == "date-time":
        return "2025-01-15T10:00:00"
    if "email" in name:
        return f"new-{secrets.token_hex(3)}@example.org"
    if "password" in name:
        return "a long enough password"
    return "x" * max(int(schema.get("minLength", 1)), 1)


def _json_model(route: APIRoute) -> type[BaseModel] | None:
    for p in route.dependant.body_params:
        ann = p.field_info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
    return None


def _form_fields(route: APIRoute) -> dict[str, str]:
    out = {}
    for p in route.dependant.body_params:
        ann = p.field_info.annotation
        origin = typing.get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            continue
        text = str(ann)
        if "UploadFile" in text or "bytes" in text:
            continue
        if ann is bool:
            out[p.alias] = "true"
        elif ann in (int, float) or (origin is None and text in {"int", "float"}):
            out[p.alias] = "1"
        elif ann is dt.date:
            out[p.alias] = "2025-01-15"
        else:
            out[p.alias] = "" if not p.field_info.is_required() else "x"
    return out


def _file_fields(route: APIRoute) -> dict[str, tuple[str, bytes, str]]:
    return {
        p.alias: ("junk.c3d", b"not a real c3d file", "application/octet-stream")
        for p in route.dependant.body_params
        if "UploadFile" in str(p.field_info.annotation) or "bytes" in str(p.field_info.annotation)
    }


def send(
    w: World,
    client: Client,
    method: str,
    path: str,
    url: str,
    *,
    csrf: bool = True,
    body: Any = None,
) -> Any:
    """A plausible request for the route (JSON model body, or form fields and files)."""
    route = w.routes[(method, path)]
    headers: dict[str, str] = {}
    if csrf and method in UNSAFE:
        headers["X-CSRF-Token"] = client.csrf
    model = _json_model(route)
    if body is not None:
        if isinstance(body, bytes):
            headers["content-type"] = "application/json"
            return client.http.request(method, url, content=body, headers=headers)
        if model is not None or path.startswith("/api/"):
            return client.http.request(method, url, json=body, headers=headers)
        return client.http.request(method, url, data=body, headers=headers)
    if model is not None:
        schema = model.model_json_schema()
        data = _example(schema, schema.get("$defs", {}))
        return client.http.request(method, url, json=data, headers=headers)
    if method in UNSAFE:
        files = _file_fields(route) or None
        return client.http.request(
            method, url, data=_form_fields(route), files=files, headers=headers
        )
    return client.http.request(method, url, headers=headers)


def _no_trace(r: Any) -> None:
    assert r.status_code != 500, f"500: {r.text[:300]}"
    assert "Traceback" not in r.text and 'File "' not in r.text, r.text[:500]


# --- (a) another clinic ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=IDS)
def test_other_clinic_is_refused(world: World, method: str, path: str) -> None:
    params = _params(path)
    for who in ("b_clinician", "b_admin"):
        client = world.clients[who]
        if params:
            url = _url(path, world.ids)
            if not set(params) - set(NEUTRAL):
                continue
            r = send(world, client, method, path, url)
            assert r.status_code in {403, 404}, f"{who} {method} {url}: {r.status_code}"
            _no_trace(r)
        elif method == "GET" and (method, path) not in PUBLIC:
            r = send(world, client, method, path, path)
            _no_trace(r)
            for secret in A_SECRETS:
                assert secret not in r.text, f"{who} {method} {path} shows clinic A's {secret!r}"


# --- (b) another patient of the same clinic ----------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=IDS)
def test_other_patient_is_refused(world: World, method: str, path: str) -> None:
    client = world.clients["a_patient2"]
    params = _params(path)
    if params and set(params) - set(NEUTRAL):
        url = _url(path, world.ids)
        r = send(world, client, method, path, url)
        assert r.status_code in {403, 404}, f"patient 2 {method} {url}: {r.status_code}"
        _no_trace(r)
    elif method == "GET" and (method, path) not in PUBLIC:
        url = _url(path, world.ids)
        r = send(world, client, method, path, url)
        _no_trace(r)
        for secret in ("Ann Example a", world.a.patient.email, world.a.clinician.email):
            assert secret not in r.text, f"patient 2 {method} {path} shows {secret!r}"


# --- (c) CSRF --------------------------------------------------------------------------------

UNSAFE_ROUTES = [(m, p) for m, p in ROUTES if m in UNSAFE and (m, p) not in PUBLIC]


@pytest.mark.parametrize(
    ("method", "path"), UNSAFE_ROUTES, ids=[f"{m} {p}" for m, p in UNSAFE_ROUTES]
)
def test_unsafe_methods_need_the_csrf_token(world: World, method: str, path: str) -> None:
    url = _url(path, world.ids)
    details = []
    for who in ("a_admin", "a_clinician", "a_patient"):
        client = world.clients[who]
        r = send(world, client, method, path, url, csrf=False)
        assert r.status_code == 403, f"{who} {method} {url} without CSRF: {r.status_code}"
        _no_trace(r)
        details.append(r.text)
        # a forged token is refused too
        r = client.http.request(method, url, headers={"X-CSRF-Token": "forged"})
        assert r.status_code == 403, f"{who} {method} {url} forged CSRF: {r.status_code}"
    assert any("security token" in d for d in details), f"{method} {path}: no CSRF refusal"


# --- (d) signed out --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=IDS)
def test_signed_out_requests(world: World, method: str, path: str) -> None:
    if (method, path) in PUBLIC:
        return
    url = _url(path, world.ids)
    anon = Client(world.app)
    r = send(world, anon, method, path, url, csrf=False)
    _no_trace(r)
    if path.startswith("/api/"):
        assert r.status_code == 401, f"{method} {url}: {r.status_code}"
    else:
        assert r.status_code == 303, f"{method} {url}: {r.status_code}"
        assert r.headers["location"].startswith("/login")


# --- (e) junk never gives a 500 or a traceback -------------------------------------------

JUNK_IDS = ["abc", "-1", "0", "99999999999999999999", "1.5", "%20", "1e3"]
PARAM_ROUTES = [(m, p) for m, p in ROUTES if _params(p)]


@pytest.mark.parametrize(
    ("method", "path"), PARAM_ROUTES, ids=[f"{m} {p}" for m, p in PARAM_ROUTES]
)
def test_junk_path_parameters(world: World, method: str, path: str) -> None:
    for who in ("a_admin", "a_patient"):
        client = world.clients[who]
        for junk in JUNK_IDS:
            ids = {k: junk for k in world.ids} | {
                k: junk for k in _params(path) if k not in NEUTRAL
            }
            url = _url(path, ids)
            r = send(world, client, method, path, url)
            _no_trace(r)
            assert r.status_code < 500, f"{who} {method} {url}: {r.status_code}"


JUNK_VALUES = ["", "x" * 5000, "\x00", "-1e309", "99999999999999999999", "2025-13-45", "<b>"]
JUNK_JSON: list[Any] = [
    b"{not json",
    b"[]",
    b"null",
    b'{"name": "\\ud800"}',
    {"name": 123, "email": ["x"], "active": "maybe", "password": None},
    {"height_m": 10**30, "date": "2025-02-30", "nprs": -5, "id": "abc"},
]


def _fresh_patient(w: World) -> tuple[dict[str, Any], dict[str, Client]]:
    """A new populated patient of clinic A with its own login, and fresh sign-ins."""
    with w.app.state.sessions() as db, db.begin():
        p = Patient(clinic_id=w.a.clinic_id, name="Junk Target", height_m=1.7, mass_kg=70.0)
        db.add(p)
        db.flush()
        email = f"junk-{p.id}@a-junk.example.org"
        db.add(
            User(
                clinic_id=w.a.clinic_id,
                email=email,
                name="Junk Target",
                role="patient",
                patient_id=p.id,
                password_hash=hash_password("correct horse battery"),
            )
        )
        pid = p.id
    rec = populate(w.app, w.a, patient_id=pid)
    clients = {
        "admin": Client(w.app).login(w.a.admin.email),
        "clinician": Client(w.app).login(w.a.clinician.email),
        "patient": Client(w.app).login(email),
    }
    return _ids(rec, w.a), clients


@pytest.mark.parametrize(
    ("method", "path"), UNSAFE_ROUTES, ids=[f"{m} {p}" for m, p in UNSAFE_ROUTES]
)
def test_junk_bodies(world: World, method: str, path: str) -> None:
    ids, clients = _fresh_patient(world)
    url = _url(path, ids)
    route = world.routes[(method, path)]
    names = list(_form_fields(route)) or ["name", "email", "value"]
    for who, client in clients.items():
        for value in JUNK_VALUES:
            form = dict.fromkeys(names, value) | {"unexpected_field": value}
            if not path.startswith("/api/") and _json_model(route) is None:
                form["csrf_token"] = client.csrf
                r = client.http.request(method, url, data=form)
            else:
                r = send(world, client, method, path, url, body=form)
            _no_trace(r)
        for body in JUNK_JSON:
            r = send(world, client, method, path, url, body=body)
            _no_trace(r)
            assert r.status_code < 500, f"{who} {method} {url} {body!r}: {r.status_code}"


# --- headers, cookie, OpenAPI --------------------------------------------------------------


def test_pages_are_not_cached_nor_framed(world: World) -> None:
    c = world.clients["a_clinician"]
    for url in ("/patients", f"/patients/{world.rec.patient_id}", "/login"):
        r = c.get(url)
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
    r = c.api("GET", f"/api/v1/patients/{world.rec.patient_id}")
    assert r.headers["cache-control"] == "no-store"


def test_session_cookie_is_httponly_secure_samesite(world: World) -> None:
    c = Client(world.app)
    r = c.http.post(
        "/login", data={"email": world.a.clinician.email, "password": "correct horse battery"}
    )
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("kc_session=")
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in cookie.split(";")}
    assert "httponly" in parts and "secure" in parts
    assert parts["samesite"].lower() in {"samesite=lax", "samesite=strict"}


def test_openapi_lists_the_api(world: World) -> None:
    r = Client(world.app).get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    for path, route in api_routes(list(world.app.routes)):
        if path.startswith("/api/v1") and not path.endswith("openapi.json"):
            for m in route.methods - {"HEAD", "OPTIONS"}:
                assert (m, path) in documented, f"{m} {path} missing from OpenAPI"
    json.dumps(doc)
