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
    "chord_joint_centre",
    "frame_from_axes",
    "normalize",
    "relative_rotation",
    "rotation_about",
    "signed_angle_about",
]


def normalize(v: FloatArray) -> FloatArray:
    """Unit vectors along the last axis; zero-length vectors become NaN."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / np.where(n == 0, np.nan, n), dtype=np.float64)


def frame_from_axes(primary: FloatArray, secondary: FloatArray, order: str = "zx") -> FloatArray:
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
    out = np.empty((*u.shape[:-1], 3, 3))
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


def rotation_about(axis: str, angle: FloatArray | float) -> FloatArray:
    """Elementary rotation matrices about the ``"x"``, ``"y"`` or ``"z"`` axis.

    Parameters
    ----------
    axis : {"x", "y", "z"}
        The axis of rotation.
    angle : float or (n,) array
        Right-handed rotation angle, radians.

    Returns
    -------
    (3, 3) or (n, 3, 3) array
        ``R`` such that ``R @ v`` rotates ``v`` by ``angle`` about ``axis``.
    """
    a = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    one = np.ones_like(a)
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    k = 3 - i - j
    out = np.empty((*a.shape, 3, 3))
    out[..., k, :] = 0.0
    out[..., :, k] = 0.0
    out[..., k, k] = one
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def signed_angle_about(axis: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Signed angle (radians) from ``a`` to ``b`` seen along ``axis`` (right-hand rule).

    Both vectors are first projected on the plane perpendicular to ``axis``; the result is in
    (-pi, pi]. All arguments are ``(..., 3)`` arrays that broadcast together.
    """
    u = normalize(axis)
    pa = a - np.sum(a * u, axis=-1, keepdims=True) * u
    pb = b - np.sum(b * u, axis=-1, keepdims=True) * u
    sin = np.sum(np.cross(pa, pb) * u, axis=-1)
    cos = np.sum(pa * pb, axis=-1)
    return np.asarray(np.arctan2(sin, cos), dtype=np.float64)


def chord_joint_centre(
    wand: FloatArray,
    proximal: FloatArray,
    marker: FloatArray,
    distance: FloatArray | float,
    offset: FloatArray | float = 0.0,
) -> FloatArray:
    """Joint centre by the "chord" construction of the Conventional Gait Model.

    The joint centre ``J`` lies at ``distance`` from the lateral ``marker``; the segment's
    long axis ``J → proximal`` is perpendicular to ``J → marker`` (Kadaba et al. 1990;
    Davis et al. 1991); and, seen along that long axis, the ``wand`` marker makes the angle
    ``offset`` with the marker (right-hand rule about ``J → proximal``, as
    :func:`signed_angle_about`). With ``offset = 0`` the joint centre lies in the plane of the
    three markers, on the side away from the wand.

    Solution (closed form, vectorised): with the marker at the origin, ``L = |proximal|``,
    ``D = sqrt(L² - r²)``, the first two conditions put ``J`` on the circle
    ``J = (r²/L) x̂ + ρ (cos φ e + sin φ n)``, ``ρ = r D / L``, where ``x̂`` points to the
    proximal centre, ``e`` away from the wand in the marker plane and ``n = x̂ × e``.
    Writing the wand as ``t_x x̂ + t_e e`` (``t_e < 0``), the angle condition reduces to
    ``Q cos β sin φ + P sin β cos φ = -K sin β`` with ``K = r² (1 - t_x / L)``,
    ``P = -ρ t_e`` and ``Q = L P / D``, i.e. ``φ = -δ - asin(K sin β / R)``,
    ``R = hypot(Q cos β, P sin β)``, ``δ = atan2(P sin β, Q cos β)``.

    Parameters
    ----------
    wand, proximal, marker : (n, 3) arrays
        Wand (or technical) marker, proximal joint centre, lateral joint marker.
    distance : float or (n,) array
        Distance from ``marker`` to the joint centre (joint width / 2 + marker radius).
    offset : float or (n,) array
        Wand rotation offset, radians (|offset| < 90 deg).

    Returns
    -------
    (n, 3) array
        Joint centres; NaN where an input is NaN or the geometry is impossible
        (``distance`` at least the marker-to-proximal distance).
    """
    r = np.asarray(distance, dtype=np.float64)[..., None]
    x = proximal - marker
    t = wand - marker
    length = np.linalg.norm(x, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xhat = x / length
        t_x = np.sum(t * xhat, axis=-1, keepdims=True)
        t_perp = t - t_x * xhat
        t_e = -np.linalg.norm(t_perp, axis=-1, keepdims=True)
        e = t_perp / t_e  # unit, away from the wand
        n = np.cross(xhat, e)
        d = np.sqrt(length**2 - r**2)
        rho = r * d / length
        beta = np.asarray(offset, dtype=np.float64)[..., None]
        if np.any(beta != 0):
            big_p = -rho * t_e
            big_q = length * big_p / d
            big_k = r**2 * (1.0 - t_x / length)
            a = big_q * np.cos(beta)
            b = big_p * np.sin(beta)
            phi = -np.arctan2(b, a) - np.arcsin(
                np.clip(big_k * np.sin(beta) / np.hypot(a, b), -1.0, 1.0)
            )
        else:
            phi = np.zeros_like(rho)
        centre = marker + (r**2 / length) * xhat + rho * (np.cos(phi) * e + np.sin(phi) * n)
    return np.asarray(centre, dtype=np.float64)
