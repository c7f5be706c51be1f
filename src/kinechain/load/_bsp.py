"""Body-segment inertial parameters: de Leva (1996), adjusted Zatsiorsky–Seluyanov values.

de Leva P. (1996) Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters.
*Journal of Biomechanics* 29(9):1223–1230, Table 4. Masses are fractions of body mass; the
centre of mass (CoM) is a fraction of the segment length from the *proximal* (first named)
landmark; radii of gyration are fractions of the segment length about the sagittal
(antero-posterior), transverse (medio-lateral) and longitudinal axes through the CoM.

The values were typed from the paper's Table 4 and cross-checked against a public
transcription of it (R. Gurchiek's ``deleva.m``, 2018). Public tables are known to carry
typos (``clinical.md`` §6b: head "0.694", hand "0.061"...), so :func:`whole_body_mass_fraction`
and the tests check that the fractions of a whole body add up to 1.

Landmarks (de Leva's names): VERT vertex, CERV C7 spinous process, SUPR suprasternale,
XYPH xiphion, OMPH omphalion (navel), MIDH midpoint of the hip joint centres, SJC/EJC/WJC
shoulder/elbow/wrist joint centres, MET3 third metacarpale, KJC/AJC knee/ankle joint centres,
LMAL lateral malleolus, HEEL heel, TTIP tip of the longest toe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DE_LEVA_1996",
    "DE_LEVA_REFERENCE",
    "SegmentParameters",
    "Sex",
    "UpperBody",
    "segment_parameters",
    "upper_body",
    "whole_body_mass_fraction",
]

Sex = Literal["male", "female"]


@dataclass(frozen=True)
class SegmentParameters:
    """Inertial parameters of one segment, as fractions (de Leva 1996, Table 4).

    Attributes
    ----------
    name : str
    proximal, distal : str
        The landmarks that define the segment length (de Leva's names).
    mass_fraction : float
        Segment mass / body mass.
    com_fraction : float
        Distance of the CoM from ``proximal``, as a fraction of the segment length.
    r_sagittal, r_transverse, r_longitudinal : float
        Radii of gyration about the antero-posterior, medio-lateral and long axes through the
        CoM, as fractions of the segment length.
    mean_length_m : float
        Mean segment length of de Leva's sample, m (used only to scale segments that markers
        do not delimit, e.g. the lower trunk).
    """

    name: str
    proximal: str
    distal: str
    mass_fraction: float
    com_fraction: float
    r_sagittal: float
    r_transverse: float
    r_longitudinal: float
    mean_length_m: float


def _seg(
    name: str, prox: str, dist: str, m: float, com: float, rs: float, rt: float, rl: float, L: float
) -> SegmentParameters:
    """Percent values as printed in the paper → fractions; length mm → m."""
    return SegmentParameters(
        name, prox, dist, m / 100, com / 100, rs / 100, rt / 100, rl / 100, L / 1000
    )


#: de Leva (1996) Table 4, adjusted parameters, by sex. ``head`` and ``trunk`` use the C7
#: (CERV) endpoints of the table's lower half; ``shank`` runs KJC → LMAL and ``shank_ajc``
#: KJC → AJC (the table's alternative endpoint, used with joint-centre models).
DE_LEVA_1996: dict[Sex, dict[str, SegmentParameters]] = {
    "male": {
        "head": _seg("head", "VERT", "CERV", 6.94, 50.02, 30.3, 31.5, 26.1, 242.9),
        "trunk": _seg("trunk", "CERV", "MIDH", 43.46, 51.38, 32.8, 30.6, 16.9, 603.3),
        "upper_trunk": _seg("upper_trunk", "SUPR", "XYPH", 15.96, 29.99, 71.6, 45.4, 65.9, 170.7),
        "middle_trunk": _seg("middle_trunk", "XYPH", "OMPH", 16.33, 45.02, 48.2, 38.3, 46.8, 215.5),
        "lower_trunk": _seg("lower_trunk", "OMPH", "MIDH", 11.17, 61.15, 61.5, 55.1, 58.7, 145.7),
        "upper_arm": _seg("upper_arm", "SJC", "EJC", 2.71, 57.72, 28.5, 26.9, 15.8, 281.7),
        "forearm": _seg("forearm", "EJC", "WJC", 1.62, 45.74, 27.6, 26.5, 12.1, 268.9),
        "hand": _seg("hand", "WJC", "MET3", 0.61, 79.00, 62.8, 51.3, 40.1, 86.2),
        "thigh": _seg("thigh", "HJC", "KJC", 14.16, 40.95, 32.9, 32.9, 14.9, 422.2),
        "shank": _seg("shank", "KJC", "LMAL", 4.33, 44.59, 25.5, 24.9, 10.3, 434.0),
        "shank_ajc": _seg("shank_ajc", "KJC", "AJC", 4.33, 43.95, 25.1, 24.6, 10.2, 440.3),
        "foot": _seg("foot", "HEEL", "TTIP", 1.37, 44.15, 25.7, 24.5, 12.4, 258.1),
    },
    "female": {
        "head": _seg("head", "VERT", "CERV", 6.68, 48.41, 27.1, 29.5, 26.1, 243.7),
        "trunk": _seg("trunk", "CERV", "MIDH", 42.57, 49.64, 30.7, 29.2, 14.7, 614.8),
        "upper_trunk": _seg("upper_trunk", "SUPR", "XYPH", 15.45, 20.77, 74.6, 50.2, 71.8, 142.5),
        "middle_trunk": _seg("middle_trunk", "XYPH", "OMPH", 14.65, 45.12, 43.3, 35.4, 41.5, 205.3),
        "lower_trunk": _seg("lower_trunk", "OMPH", "MIDH", 12.47, 49.20, 43.3, 40.2, 44.4, 181.5),
        "upper_arm": _seg("upper_arm", "SJC", "EJC", 2.55, 57.54, 27.8, 26.0, 14.8, 275.1),
        "forearm": _seg("forearm", "EJC", "WJC", 1.38, 45.59, 26.1, 25.7, 9.4, 264.3),
        "hand": _seg("hand", "WJC", "MET3", 0.56, 74.74, 53.1, 45.4, 33.5, 78.0),
        "thigh": _seg("thigh", "HJC", "KJC", 14.78, 36.12, 36.9, 36.4, 16.2, 368.5),
        "shank": _seg("shank", "KJC", "LMAL", 4.81, 44.16, 27.1, 26.7, 9.3, 432.3),
        "shank_ajc": _seg("shank_ajc", "KJC", "AJC", 4.81, 43.52, 26.7, 26.3, 9.2, 438.6),
        "foot": _seg("foot", "HEEL", "TTIP", 1.29, 40.14, 29.9, 27.9, 13.9, 228.3),
    },
}

#: de Leva's (1996) reference sample: mean stature (m) and body mass (kg), by sex.
DE_LEVA_REFERENCE: dict[Sex, tuple[float, float]] = {"male": (1.741, 73.0), "female": (1.735, 61.9)}

_LIMBS = ("upper_arm", "forearm", "hand", "thigh", "shank", "foot")


def _check_sex(sex: str | None) -> Sex | None:
    if sex is None:
        return None
    s = str(sex).strip().lower()
    if s in ("male", "m", "man"):
        return "male"
    if s in ("female", "f", "woman"):
        return "female"
    if s in ("", "other", "unknown", "none", "x"):
        return None
    raise ValueError(f"sex must be 'male', 'female' or None, not {sex!r}")


def segment_parameters(name: str, sex: str | None = None) -> SegmentParameters:
    """de Leva (1996) parameters of one segment.

    Parameters
    ----------
    name : str
        A key of :data:`DE_LEVA_1996` (``"foot"``, ``"shank_ajc"``, ``"thigh"``,
        ``"lower_trunk"``...).
    sex : {"male", "female"} or None
        None (unknown or not binary) gives the mean of the male and female values.

    Returns
    -------
    SegmentParameters
    """
    s = _check_sex(sex)
    if name not in DE_LEVA_1996["male"]:
        raise KeyError(f"no de Leva segment {name!r}; known: {sorted(DE_LEVA_1996['male'])}")
    if s is not None:
        return DE_LEVA_1996[s][name]
    m, f = DE_LEVA_1996["male"][name], DE_LEVA_1996["female"][name]
    return SegmentParameters(
        name,
        m.proximal,
        m.distal,
        0.5 * (m.mass_fraction + f.mass_fraction),
        0.5 * (m.com_fraction + f.com_fraction),
        0.5 * (m.r_sagittal + f.r_sagittal),
        0.5 * (m.r_transverse + f.r_transverse),
        0.5 * (m.r_longitudinal + f.r_longitudinal),
        0.5 * (m.mean_length_m + f.mean_length_m),
    )


def reference_stature_m(sex: str | None = None) -> float:
    """Mean stature of de Leva's sample for ``sex`` (mean of both when None), m."""
    s = _check_sex(sex)
    if s is None:
        return 0.5 * (DE_LEVA_REFERENCE["male"][0] + DE_LEVA_REFERENCE["female"][0])
    return DE_LEVA_REFERENCE[s][0]


def whole_body_mass_fraction(sex: str | None = None, *, split_trunk: bool = False) -> float:
    """Sum of the mass fractions of a whole body: head, trunk, two arms and two legs.

    Parameters
    ----------
    sex : {"male", "female"} or None
    split_trunk : bool
        Count the trunk as its upper, middle and lower parts instead of as one segment.

    Returns
    -------
    float
        1.0000 for men and 0.9999 for women with de Leva's published values.
    """
    p = {k: segment_parameters(k, sex).mass_fraction for k in DE_LEVA_1996["male"]}
    trunk = p["upper_trunk"] + p["middle_trunk"] + p["lower_trunk"] if split_trunk else p["trunk"]
    return p["head"] + trunk + 2.0 * sum(p[k] for k in _LIMBS)


#: Share of the lower trunk (OMPH → MIDH) taken to lie above L5/S1: L5/S1 is placed halfway
#: along the lower trunk (about 7–9 cm above the hip joint centres in de Leva's adults, which
#: agrees with the Dumas & Wojtusch 2018 lumbar joint centre regression), and the lower trunk's
#: mass is taken as evenly spread along its length.
LOWER_TRUNK_SHARE_ABOVE_L5S1 = 0.5


@dataclass(frozen=True)
class UpperBody:
    """Mass and CoM of the body above L5/S1, standing upright, arms hanging.

    Attributes
    ----------
    mass_fraction : float
        Fraction of body mass above L5/S1: head, arms, upper and middle trunk and
        :data:`LOWER_TRUNK_SHARE_ABOVE_L5S1` of the lower trunk (≈ 0.547 men, 0.520 women).
    com_height_fraction : float
        Height of its CoM above L5/S1 as a fraction of stature.
    """

    mass_fraction: float
    com_height_fraction: float

    def com_height_m(self, stature_m: float) -> float:
        """CoM height above L5/S1 for a person of ``stature_m``, m."""
        return self.com_height_fraction * stature_m


def upper_body(sex: str | None = None) -> UpperBody:
    """The body above L5/S1 as one rigid body, from de Leva's segments (upright, arms down).

    The segments are stacked on a vertical line at de Leva's mean lengths (above the mid-hip
    point MIDH): lower trunk OMPH→MIDH, middle trunk XYPH→OMPH, upper trunk SUPR→XYPH, head
    from C7, taken level with the top of the trunk (C7 = MIDH + trunk length); the shoulder
    joint centres are put level with SUPR and the arms hang straight down. L5/S1 lies halfway
    up the lower trunk. The composite CoM height above L5/S1 is divided by de Leva's mean
    stature so that it scales with the subject's stature.

    Parameters
    ----------
    sex : {"male", "female"} or None

    Returns
    -------
    UpperBody
    """
    g = {k: segment_parameters(k, sex) for k in DE_LEVA_1996["male"]}
    lpt, mpt, upt = g["lower_trunk"], g["middle_trunk"], g["upper_trunk"]
    omph = lpt.mean_length_m
    xyph = omph + mpt.mean_length_m
    supr = xyph + upt.mean_length_m
    cerv = g["trunk"].mean_length_m
    l5s1 = (1.0 - LOWER_TRUNK_SHARE_ABOVE_L5S1) * omph
    parts: list[tuple[float, float]] = [
        (g["head"].mass_fraction, cerv + (1.0 - g["head"].com_fraction) * g["head"].mean_length_m),
        (upt.mass_fraction, supr - upt.com_fraction * upt.mean_length_m),
        (mpt.mass_fraction, xyph - mpt.com_fraction * mpt.mean_length_m),
        (LOWER_TRUNK_SHARE_ABOVE_L5S1 * lpt.mass_fraction, 0.5 * (omph + l5s1)),
    ]
    level = supr
    for name in ("upper_arm", "forearm", "hand"):
        s = g[name]
        parts.append((2.0 * s.mass_fraction, level - s.com_fraction * s.mean_length_m))
        level -= s.mean_length_m
    mass = sum(m for m, _ in parts)
    com = sum(m * z for m, z in parts) / mass
    return UpperBody(
        mass_fraction=mass, com_height_fraction=(com - l5s1) / reference_stature_m(sex)
    )
