"""Vectorised 3D geometry over frames: unit vectors, segment frames, Cardan angles.

All functions take arrays whose last axis is xyz (points ``(n, 3)``) or whose last two axes
are a rotation matrix (``(n, 3, 3)``, columns = the segment's x, y, z axes expressed in the
lab frame). Nothing here loops over frames.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "cardan_xyz",
    "cardan_yxz",
    "frame_from_axes",
    "normalize",
    "relative_rotation",
]


def normalize(v: FloatArray) -> FloatArray:
    """Unit vectors along the last axis; zero-length vectors become NaN."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / np.where(n == 0, np.nan, n), dtype=np.float64)


def frame_from_axes(
    primary: FloatArray, secondary: FloatArray, order: str = "zx"
) -> FloatArray:
    """Build right-handed orthonormal frames from two non-parallel directions.

    Parameters
    ----------
    primary : (n, 3) array
        Direction kept exactly as the first axis named in ``order``.
    secondary : (n, 3) array
        Direction that fixes the plane of the second axis named in ``order``.
    order : str
        Two letters, e.g. ``"zx"``: the first axis is ``primary``, the second lies in the
        plane of ``primary`` and ``secondary``; the third completes a right-handed frame.

    Returns
    -------
    (n, 3, 3) array
        Rotation matrices whose columns are the x, y, z axes in the lab frame.
    """
    a, b = order[0], order[1]
    idx = {"x": 0, "y": 1, "z": 2}
    ia, ib = idx[a], idx[b]
    ic = 3 - ia - ib
    u = normalize(primary)
    # third axis from the cyclic order (x->y->z->x)
    cyclic = (ib - ia) % 3 == 1
    w = normalize(np.cross(u, secondary) if cyclic else np.cross(secondary, u))
    v = normalize(np.cross(w, u) if cyclic else np.cross(u, w))
    out = np.empty(u.shape[:-1] + (3, 3))
    out[..., :, ia] = u
    out[..., :, ib] = v
    out[..., :, ic] = w
    return out


def relative_rotation(parent: FloatArray, child: FloatArray) -> FloatArray:
    """Rotation of ``child`` expressed in ``parent``: ``parent.T @ child`` per frame."""
    return np.asarray(np.einsum("...ji,...jk->...ik", parent, child), dtype=np.float64)


def cardan_yxz(r: FloatArray) -> FloatArray:
    """Cardan angles (radians) for the sequence y, then x', then z'' (R = Ry·Rx·Rz).

    Returns an ``(n, 3)`` array ordered ``(alpha_x, beta_y, gamma_z)``: the rotation about x
    (second in the sequence), about y (first), about z (last). This is the Grood & Suntay-like
    sequence used by Plug-in Gait for joints (flexion about the lateral axis first).
    """
    # R = Ry(b) Rx(a) Rz(g):
    # R[1,2] = -sin(a); R[0,2] = sin(b)cos(a); R[2,2] = cos(b)cos(a)
    # R[1,0] = cos(a)sin(g); R[1,1] = cos(a)cos(g)
    a = np.arcsin(np.clip(-r[..., 1, 2], -1.0, 1.0))
    b = np.arctan2(r[..., 0, 2], r[..., 2, 2])
    g = np.arctan2(r[..., 1, 0], r[..., 1, 1])
    return np.stack([a, b, g], axis=-1)


def cardan_xyz(r: FloatArray) -> FloatArray:
    """Cardan angles (radians) for the sequence x, then y', then z'' (R = Rx·Ry·Rz).

    Returns an ``(n, 3)`` array ``(alpha_x, beta_y, gamma_z)``.
    """
    # R = Rx(a) Ry(b) Rz(g): R[0,2] = sin(b); R[1,2] = -sin(a)cos(b); R[2,2] = cos(a)cos(b)
    # R[0,1] = -cos(b)sin(g); R[0,0] = cos(b)cos(g)
    b = np.arcsin(np.clip(r[..., 0, 2], -1.0, 1.0))
    a = np.arctan2(-r[..., 1, 2], r[..., 2, 2])
    g = np.arctan2(-r[..., 0, 1], r[..., 0, 0])
    return np.stack([a, b, g], axis=-1)
