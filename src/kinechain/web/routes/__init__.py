"""Routers; each module holds the pages and the /api/v1 endpoints of one area."""

from kinechain.web.routes import _admin, _auth, _export, _patients, _portal, _uploads, _visits

ROUTERS = [
    _auth.router,
    _patients.router,
    _visits.router,
    _uploads.router,
    _portal.router,
    _export.router,
    _admin.router,
]
