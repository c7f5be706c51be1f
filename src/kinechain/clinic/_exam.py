"""Physical examination: each clinical test classified per side, with side differences.

Every threshold comes from :mod:`kinechain.clinic._thresholds`, where its source is given.
Side differences are always ``left − right``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from kinechain.clinic import _thresholds as T
from kinechain.clinic._intake import Tests
from kinechain.clinic._json import jsonable

__all__ = [
    "CalfClassification",
    "CalfSide",
    "Criterion",
    "FootSide",
    "HamstringSide",
    "HipAbductorSide",
    "HipFlexorSide",
    "KneeSide",
    "PelvisSide",
    "SidePair",
    "WbltSide",
    "assess_calf",
    "assess_foot",
    "assess_hamstrings",
    "assess_hip_abductors",
    "assess_hip_flexors",
    "assess_knee",
    "assess_pelvis",
    "classify_calf",
    "fpi6_category",
    "wblt_cm_to_deg",
    "wblt_deg_to_cm",
    "wblt_side",
]

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
CalfClassification = Literal["normal", "gastrocnemius", "soleus_or_joint"]
S = TypeVar("S")


@dataclass(frozen=True)
class Criterion:
    """A rule applied, in words, with its source (shown next to the result)."""

    rule: str
    source: str


@dataclass(frozen=True)
class SidePair(Generic[S]):
    """The result of one test for both sides.

    Attributes
    ----------
    left, right : S
        Per-side results (always present; their values are None when not measured).
    side_difference : dict
        Differences ``left − right`` and asymmetry flags.
    criteria : tuple of Criterion
        The rules used, with sources.
    """

    left: S
    right: S
    side_difference: dict[str, Any] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = ()

    def side(self, name: Side) -> S:
        """Return the result of ``"left"`` or ``"right"``."""
        return self.left if name == "left" else self.right

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``left``, ``right``, ``side_difference``, ``criteria``."""
        return {
            "left": jsonable(self.left),
            "right": jsonable(self.right),
            "side_difference": jsonable(self.side_difference),
            "criteria": jsonable(self.criteria),
        }


def _cite(*keys: str) -> str:
    return "; ".join(T.CITATIONS[k] for k in keys)


def _diff(a: float | None, b: float | None, ndigits: int = 2) -> float | None:
    return None if a is None or b is None else round(a - b, ndigits)


def _values(sides: Any) -> tuple[Any, Any]:
    if sides is None:
        return None, None
    return sides.left, sides.right


# ---------------------------------------------------------------------------------------
# Calf: weight-bearing lunge test and Silfverskiöld
# ---------------------------------------------------------------------------------------


def wblt_cm_to_deg(cm: float) -> float:
    """Convert a lunge distance (cm) to tibial inclination (deg): × 3.6 (Bennell 1998 †)."""
    return cm * T.WBLT_CM_TO_DEG


def wblt_deg_to_cm(deg: float) -> float:
    """Convert tibial inclination (deg) to a lunge distance (cm): ÷ 3.6."""
    return deg / T.WBLT_CM_TO_DEG


@dataclass(frozen=True)
class WbltSide:
    """Weight-bearing lunge test of one side.

    Attributes
    ----------
    cm, deg : float or None
        Distance and angle; one may be converted from the other (see ``measured``).
    measured : {"cm", "deg", "both"} or None
        What was measured; the other unit is converted (1 cm ≈ 3.6°).
    restricted : bool or None
        Distance < 9.2 cm (a measured cm value is used when there is one).
    below_risk_angle : bool or None
        Angle < 36.5° (Backman & Danielson 2011's tendinopathy-risk cut-off).
    """

    cm: float | None
    deg: float | None
    measured: Literal["cm", "deg", "both"] | None
    restricted: bool | None
    below_risk_angle: bool | None


def wblt_side(cm: float | None, deg: float | None) -> WbltSide:
    """Classify one side's lunge test.

    Parameters
    ----------
    cm : float or None
        Big-toe-to-wall distance, cm.
    deg : float or None
        Tibial inclination from vertical, deg.

    Returns
    -------
    WbltSide
        ``restricted`` when the distance is < 9.2 cm (Hoch & McKeon 2011 mean 12.0 − 1 SD
        2.8); with degrees only, the distance is converted (deg ÷ 3.6), i.e. < 33.1°.
    """
    if cm is None and deg is None:
        return WbltSide(None, None, None, None, None)
    measured: Literal["cm", "deg", "both"] = (
        "both" if cm is not None and deg is not None else "cm" if cm is not None else "deg"
    )
    cm_v = cm if cm is not None else wblt_deg_to_cm(deg)  # type: ignore[arg-type]
    deg_v = deg if deg is not None else wblt_cm_to_deg(cm_v)
    return WbltSide(
        cm=round(cm_v, 2),
        deg=round(deg_v, 2),
        measured=measured,
        restricted=cm_v < T.WBLT_RESTRICTED_BELOW_CM,
        below_risk_angle=deg_v < T.WBLT_RISK_BELOW_DEG,
    )


@dataclass(frozen=True)
class CalfSide:
    """Calf length of one side.

    Attributes
    ----------
    df_knee_extended_deg, df_knee_flexed_deg : float or None
        Passive non-weight-bearing dorsiflexion.
    knee_flexion_gain_deg : float or None
        Flexed − extended.
    classification : {"normal", "gastrocnemius", "soleus_or_joint"} or None
        Silfverskiöld logic; None when the measurements cannot decide (see ``reason``).
    severity : {"none", "restricted", "equinus"} or None
        From knee-extended DF: ≥ 10° none, 5–10° restricted, ≤ 5° equinus.
    large_knee_flexion_gain : bool or None
        Gain > 13°.
    reason : str
        The classification in words.
    wblt : WbltSide
        The weight-bearing lunge test (not used for the classification).
    tight : bool or None
        True when any calf test of this side is restricted, False when at least one was
        measured and none is, None when nothing was measured.
    """

    df_knee_extended_deg: float | None
    df_knee_flexed_deg: float | None
    knee_flexion_gain_deg: float | None
    classification: CalfClassification | None
    severity: Literal["none", "restricted", "equinus"] | None
    large_knee_flexion_gain: bool | None
    reason: str
    wblt: WbltSide
    tight: bool | None


def classify_calf(
    extended: float | None, flexed: float | None
) -> tuple[CalfClassification | None, str]:
    """Silfverskiöld logic on non-weight-bearing dorsiflexion.

    Parameters
    ----------
    extended, flexed : float or None
        Passive DF (deg) with the knee extended and flexed.

    Returns
    -------
    classification : {"normal", "gastrocnemius", "soleus_or_joint"} or None
    reason : str

    Notes
    -----
    "Restricted" is DF < 10° in either knee position (podiatric equinus convention):

    * knee-extended DF ≥ 10° → ``normal`` (bending the knee only slackens the gastrocnemius);
    * restricted with the knee extended, ≥ 10° with it flexed → ``gastrocnemius``;
    * restricted in both positions → ``soleus_or_joint``;
    * knee-flexed DF alone: < 10° → ``soleus_or_joint`` (knee-extended DF cannot be higher),
      otherwise undecided; knee-extended DF alone and restricted → undecided.
    """
    lim = T.DF_RESTRICTED_BELOW_DEG
    lim_s = f"{lim:g}°"
    if extended is not None and extended >= lim:
        return "normal", f"dorsiflexion with the knee extended is {extended:g}° (≥ {lim_s})"
    if extended is not None and flexed is not None:
        if flexed >= lim:
            return "gastrocnemius", (
                f"limited with the knee extended ({extended:g}° < {lim_s}) but {flexed:g}° with "
                f"the knee flexed (≥ {lim_s}): the gastrocnemius limits dorsiflexion"
            )
        return "soleus_or_joint", (
            f"limited with the knee extended ({extended:g}°) and flexed ({flexed:g}°), both "
            f"< {lim_s}: the soleus or the ankle joint limits dorsiflexion"
        )
    if extended is not None:
        return None, (
            f"limited with the knee extended ({extended:g}° < {lim_s}); measure with the knee "
            "flexed to tell gastrocnemius from soleus/joint"
        )
    if flexed is not None:
        if flexed < lim:
            return "soleus_or_joint", (
                f"limited with the knee flexed ({flexed:g}° < {lim_s}), so also with it "
                "extended: the soleus or the ankle joint limits dorsiflexion"
            )
        return None, (
            f"{flexed:g}° with the knee flexed; measure with the knee extended to classify"
        )
    return None, "not measured"


def _severity(extended: float | None) -> Literal["none", "restricted", "equinus"] | None:
    if extended is None:
        return None
    if extended <= T.DF_EQUINUS_MAX_DEG:
        return "equinus"
    if extended < T.DF_RESTRICTED_BELOW_DEG:
        return "restricted"
    return "none"


def _tight(flags: list[bool | None]) -> bool | None:
    if any(f is True for f in flags):
        return True
    if any(f is False for f in flags):
        return False
    return None


def assess_calf(tests: Tests | None) -> SidePair[CalfSide]:
    """Classify the calf of each side from the lunge test and non-weight-bearing DF.

    Parameters
    ----------
    tests : Tests or None
        The intake's tests.

    Returns
    -------
    SidePair of CalfSide
        ``side_difference`` holds ``wblt_cm`` (> 2.0 cm asymmetric), ``df_knee_extended_deg``
        (≥ 6° asymmetric), ``df_knee_flexed_deg`` and ``tighter_side``.
    """
    wcm = _values(tests.wblt_cm if tests else None)
    wdeg = _values(tests.wblt_deg if tests else None)
    ext = _values(tests.df_knee_extended_deg if tests else None)
    flx = _values(tests.df_knee_flexed_deg if tests else None)
    sides: list[CalfSide] = []
    for i in range(2):
        e, f = ext[i], flx[i]
        wblt = wblt_side(wcm[i], wdeg[i])
        classification, reason = classify_calf(e, f)
        gain = _diff(f, e)
        nwb_restricted: bool | None = None
        if e is not None:
            nwb_restricted = e < T.DF_RESTRICTED_BELOW_DEG
        elif f is not None and f < T.DF_RESTRICTED_BELOW_DEG:
            nwb_restricted = True
        large_gain = None if gain is None else gain > T.DF_LARGE_GAIN_DEG
        if classification == "soleus_or_joint" and large_gain:
            reason += (
                f"; the knee-flexion gain of {gain:g}° (> {T.DF_LARGE_GAIN_DEG:g}°) "
                "suggests the gastrocnemius contributes too"
            )
        sides.append(
            CalfSide(
                df_knee_extended_deg=e,
                df_knee_flexed_deg=f,
                knee_flexion_gain_deg=gain,
                classification=classification,
                severity=_severity(e),
                large_knee_flexion_gain=large_gain,
                reason=reason,
                wblt=wblt,
                tight=_tight([nwb_restricted, wblt.restricted]),
            )
        )
    left, right = sides
    diff: dict[str, Any] = {}
    d_cm = _diff(left.wblt.cm, right.wblt.cm)
    diff["wblt_cm"] = d_cm
    diff["wblt_asymmetric"] = None if d_cm is None else abs(d_cm) > T.WBLT_SIDE_DIFFERENCE_CM
    d_e = _diff(ext[0], ext[1])
    diff["df_knee_extended_deg"] = d_e
    diff["df_asymmetric"] = None if d_e is None else abs(d_e) >= T.DF_SIDE_DIFFERENCE_DEG
    diff["df_knee_flexed_deg"] = _diff(flx[0], flx[1])
    tighter: Side | None = None
    if diff["wblt_asymmetric"] and d_cm is not None:
        tighter = "left" if d_cm < 0 else "right"
    elif diff["df_asymmetric"] and d_e is not None:
        tighter = "left" if d_e < 0 else "right"
    diff["tighter_side"] = tighter
    criteria = (
        Criterion(
            f"lunge distance < {T.WBLT_RESTRICTED_BELOW_CM:g} cm → restricted (healthy "
            f"{T.WBLT_HEALTHY_MEAN_CM:g} ± {T.WBLT_HEALTHY_SD_CM:g} cm, mean − 1 SD)",
            _cite("hoch2011"),
        ),
        Criterion(
            f"1 cm ≈ {T.WBLT_CM_TO_DEG:g}° (conversion when only one unit is measured)",
            _cite("bennell1998"),
        ),
        Criterion(
            f"|left − right| > {T.WBLT_SIDE_DIFFERENCE_CM:g} cm → asymmetric "
            f"(MDC {T.WBLT_MDC_INTER_CM:g}–{T.WBLT_MDC_INTRA_CM:g} cm)",
            _cite("hoch2011", "powden2015"),
        ),
        Criterion(
            f"lunge angle < {T.WBLT_RISK_BELOW_DEG:g}° → below the tendinopathy-risk "
            "angle (reported only)",
            _cite("backman2011"),
        ),
        Criterion(
            f"dorsiflexion < {T.DF_RESTRICTED_BELOW_DEG:g}° → restricted; knee extended "
            f"≤ {T.DF_EQUINUS_MAX_DEG:g}° → equinus",
            _cite("equinus_convention", "aaos_goniometry", "digiovanni2002"),
        ),
        Criterion(
            "restricted with the knee extended, not with it flexed → gastrocnemius; "
            "restricted in both → soleus_or_joint (Silfverskiöld)",
            _cite("baumbach2014", "digiovanni2002"),
        ),
        Criterion(
            f"knee-flexion gain > {T.DF_LARGE_GAIN_DEG:g}° → large", _cite("bjj2018", "barouk2014")
        ),
        Criterion(
            f"|left − right| knee-extended DF ≥ {T.DF_SIDE_DIFFERENCE_DEG:g}° → asymmetric",
            _cite("baumbach2016"),
        ),
    )
    return SidePair(left, right, diff, criteria)


# ---------------------------------------------------------------------------------------
# Foot: FPI-6
# ---------------------------------------------------------------------------------------


def fpi6_category(total: int) -> str:
    """FPI-6 category of a total (−12..+12), Redmond 2005 †.

    Returns one of ``highly_supinated`` (−12..−5), ``supinated`` (−4..−1), ``normal``
    (0..+5), ``pronated`` (+6..+9), ``highly_pronated`` (+10..+12).
    """
    for lo, hi, name in T.FPI6_BANDS:
        if lo <= total <= hi:
            return name
    raise ValueError(f"FPI-6 total {total} is outside -12..12")


@dataclass(frozen=True)
class FootSide:
    """Foot posture of one side (FPI-6)."""

    fpi6_total: int | None
    fpi6_items: tuple[int, ...] | None
    category: str | None
    research_pronator: bool | None
    research_supinator: bool | None


def assess_foot(tests: Tests | None) -> SidePair[FootSide]:
    """Categorise the FPI-6 of each side (a list of 6 items is summed)."""
    raw = _values(tests.fpi6 if tests else None)
    sides: list[FootSide] = []
    for value in raw:
        if value is None:
            sides.append(FootSide(None, None, None, None, None))
            continue
        items = tuple(value) if isinstance(value, tuple) else None
        total = sum(value) if isinstance(value, tuple) else int(value)
        sides.append(
            FootSide(
                total,
                items,
                fpi6_category(total),
                total >= T.FPI6_RESEARCH_PRONATOR_MIN,
                total <= T.FPI6_RESEARCH_SUPINATOR_MAX,
            )
        )
    left, right = sides
    diff = {
        "fpi6_total": None
        if left.fpi6_total is None or right.fpi6_total is None
        else left.fpi6_total - right.fpi6_total
    }
    criteria = (
        Criterion(
            "FPI-6 total: −12..−5 highly supinated, −4..−1 supinated, 0..+5 normal, "
            "+6..+9 pronated, +10..+12 highly pronated",
            _cite("redmond2005"),
        ),
        Criterion(f"healthy adult mean +{T.FPI6_HEALTHY_MEAN}", _cite("redmond2008")),
        Criterion(
            f"research cut-offs: pronator ≥ +{T.FPI6_RESEARCH_PRONATOR_MIN}, supinator "
            f"≤ {T.FPI6_RESEARCH_SUPINATOR_MAX}",
            _cite("jfar2014"),
        ),
    )
    return SidePair(left, right, diff, criteria)


# ---------------------------------------------------------------------------------------
# Knee: standing hyperextension
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KneeSide:
    """Standing knee hyperextension of one side."""

    hyperextension_deg: float | None
    classification: Literal["normal", "hyperextended"] | None
    beighton_positive: bool | None


def assess_knee(tests: Tests | None) -> SidePair[KneeSide]:
    """Flag genu recurvatum (> 5°) and the Beighton knee item (> 10°)."""
    raw = _values(tests.standing_knee_hyperextension_deg if tests else None)
    sides = [
        KneeSide(None, None, None)
        if v is None
        else KneeSide(
            v,
            "hyperextended" if v > T.KNEE_HYPEREXTENSION_ABOVE_DEG else "normal",
            v > T.KNEE_BEIGHTON_ABOVE_DEG,
        )
        for v in raw
    ]
    diff = {"hyperextension_deg": _diff(raw[0], raw[1])}
    criteria = (
        Criterion(
            f"standing hyperextension > {T.KNEE_HYPEREXTENSION_ABOVE_DEG:g}° → genu recurvatum",
            _cite("loudon1998"),
        ),
        Criterion(
            f"> {T.KNEE_BEIGHTON_ABOVE_DEG:g}° → Beighton knee item positive", _cite("beighton")
        ),
    )
    return SidePair(sides[0], sides[1], diff, criteria)


# ---------------------------------------------------------------------------------------
# Pelvis: standing tilt
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PelvisSide:
    """Standing ASIS–PSIS angle of one hemipelvis (anterior positive)."""

    tilt_deg: float | None
    classification: Literal["posterior", "typical", "marked_anterior"] | None


def assess_pelvis(tests: Tests | None) -> SidePair[PelvisSide]:
    """Classify standing pelvic tilt against the range bone shape alone produces."""
    raw = _values(tests.standing_pelvic_tilt_deg if tests else None)
    sides: list[PelvisSide] = []
    for v in raw:
        if v is None:
            sides.append(PelvisSide(None, None))
        elif v > T.PELVIC_TILT_MARKED_ANTERIOR_ABOVE_DEG:
            sides.append(PelvisSide(v, "marked_anterior"))
        elif v < T.PELVIC_TILT_POSTERIOR_BELOW_DEG:
            sides.append(PelvisSide(v, "posterior"))
        else:
            sides.append(PelvisSide(v, "typical"))
    d = _diff(raw[0], raw[1])
    diff = {
        "tilt_deg": d,
        "asymmetric": None if d is None else abs(d) > T.PELVIC_TILT_SIDE_DIFFERENCE_DEG,
    }
    criteria = (
        Criterion(
            f"ASIS–PSIS angle > {T.PELVIC_TILT_MARKED_ANTERIOR_ABOVE_DEG:g}° → marked "
            f"anterior (bone shape alone {T.PELVIC_TILT_BONE_MEAN_DEG:g} ± "
            f"{T.PELVIC_TILT_BONE_SD_DEG:g}°, + 2 SD); < 0° → posterior; no validated "
            "cut-off exists",
            _cite("preece2008", "herrington2011"),
        ),
        Criterion(
            f"|left − right| > {T.PELVIC_TILT_SIDE_DIFFERENCE_DEG:g}° → asymmetric",
            _cite("preece2008"),
        ),
    )
    return SidePair(sides[0], sides[1], diff, criteria)


# ---------------------------------------------------------------------------------------
# Hip flexors: modified Thomas test
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HipFlexorSide:
    """Modified Thomas test of one side.

    Attributes
    ----------
    thomas_hip_deg, thomas_knee_deg : float or None
        Thigh angle to the horizontal (above positive) and knee flexion angle.
    thomas_positive : bool or None
        The pass/fail reading, as entered.
    one_joint_short : bool or None
        Iliopsoas: thigh above horizontal (> 0°), or the pass/fail reading when no angle.
    two_joint_short : bool or None
        Rectus femoris: knee flexion < 67°.
    classification : {"normal", "short"} or None
    note : str
    """

    thomas_hip_deg: float | None
    thomas_knee_deg: float | None
    thomas_positive: bool | None
    one_joint_short: bool | None
    two_joint_short: bool | None
    classification: Literal["normal", "short"] | None
    note: str


def assess_hip_flexors(tests: Tests | None) -> SidePair[HipFlexorSide]:
    """Classify hip-flexor length from the modified Thomas test."""
    hips = _values(tests.thomas_hip_deg if tests else None)
    knees = _values(tests.thomas_knee_deg if tests else None)
    pos = _values(tests.thomas_positive if tests else None)
    sides: list[HipFlexorSide] = []
    for hip, knee, positive in zip(hips, knees, pos, strict=True):
        note = ""
        one: bool | None = None
        if hip is not None:
            one = hip > T.THOMAS_HIP_SHORT_ABOVE_DEG
            if positive is not None and positive != one:
                note = (
                    f"the pass/fail reading ({'positive' if positive else 'negative'}) "
                    f"disagrees with the measured thigh angle ({hip:g}°); the angle is used"
                )
        elif positive is not None:
            one = positive
        two = None if knee is None else knee < T.THOMAS_KNEE_SHORT_BELOW_DEG
        tight = _tight([one, two])
        sides.append(
            HipFlexorSide(
                hip,
                knee,
                positive,
                one,
                two,
                None if tight is None else ("short" if tight else "normal"),
                note,
            )
        )
    diff = {"thomas_hip_deg": _diff(hips[0], hips[1]), "thomas_knee_deg": _diff(knees[0], knees[1])}
    criteria = (
        Criterion(
            f"thigh above horizontal (> {T.THOMAS_HIP_SHORT_ABOVE_DEG:g}°) → short "
            "one-joint hip flexors (iliopsoas)",
            _cite("thomas_bmc2021"),
        ),
        Criterion(
            f"knee flexion < {T.THOMAS_KNEE_SHORT_BELOW_DEG:g}° → short two-joint hip "
            "flexors (rectus femoris); SEM ≈ 7°; valid only with the pelvis controlled",
            _cite("thomas_bmc2021", "peeler2008", "vigotsky2016"),
        ),
    )
    return SidePair(sides[0], sides[1], diff, criteria)


# ---------------------------------------------------------------------------------------
# Hamstrings
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HamstringSide:
    """Hamstring length of one side.

    Attributes
    ----------
    ake_deg : float or None
        Active knee extension test: angle short of full extension (hip at 90°).
    slr_deg : float or None
        Passive straight-leg raise, reported only (no validated cut-off).
    tight : bool or None
        AKE above the sex-specific cut-off.
    cutoff_deg : float or None
        The AKE cut-off applied.
    note : str
    """

    ake_deg: float | None
    slr_deg: float | None
    tight: bool | None
    cutoff_deg: float | None
    note: str


def assess_hamstrings(tests: Tests | None, sex: str | None) -> SidePair[HamstringSide]:
    """Classify hamstring length from the AKE angle with Yıldırım et al. 2018's cut-offs.

    Parameters
    ----------
    tests : Tests or None
    sex : {"female", "male", "other"} or None
        Selects the cut-off (men > 33.0°, women > 23.4°). Otherwise an AKE above 33.0° is
        tight and one at or below 23.4° is not, whichever sex; in between is undecided.
    """
    akes = _values(tests.hamstring_ake_deg if tests else None)
    slrs = _values(tests.hamstring_slr_deg if tests else None)
    sides: list[HamstringSide] = []
    for ake, slr in zip(akes, slrs, strict=True):
        note = "" if slr is None else "SLR reported without a cut-off (none validated)"
        if ake is None:
            sides.append(HamstringSide(None, slr, None, None, note))
            continue
        if sex in ("male", "female"):
            cut = T.AKE_TIGHT_MALE_DEG if sex == "male" else T.AKE_TIGHT_FEMALE_DEG
            sides.append(HamstringSide(ake, slr, ake > cut, cut, note))
        elif ake > T.AKE_TIGHT_MALE_DEG:
            sides.append(HamstringSide(ake, slr, True, T.AKE_TIGHT_MALE_DEG, note))
        elif ake <= T.AKE_TIGHT_FEMALE_DEG:
            sides.append(HamstringSide(ake, slr, False, T.AKE_TIGHT_FEMALE_DEG, note))
        else:
            extra = (
                "the AKE cut-off depends on sex (men > 33.0°, women > 23.4°); give "
                "patient.sex as female or male"
            )
            sides.append(HamstringSide(ake, slr, None, None, f"{note}; {extra}" if note else extra))
    diff = {"ake_deg": _diff(akes[0], akes[1]), "slr_deg": _diff(slrs[0], slrs[1])}
    criteria = (
        Criterion(
            f"active knee extension > {T.AKE_TIGHT_MALE_DEG:g}° (men) or "
            f"> {T.AKE_TIGHT_FEMALE_DEG:g}° (women) → short hamstrings",
            _cite("yildirim2018"),
        ),
        Criterion(
            "straight-leg raise: no validated cut-off (healthy men 61 ± 7°); also a "
            "neural test in back pain",
            _cite("gajdosik1993"),
        ),
    )
    return SidePair(sides[0], sides[1], diff, criteria)


# ---------------------------------------------------------------------------------------
# Hip abductors
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HipAbductorSide:
    """Hip abductor strength of one side.

    Attributes
    ----------
    mmt : int or None
        Manual muscle test grade 0–5.
    n_per_kg : float or None
        Dynamometer force / body mass.
    weak : bool or None
        MMT < 5, or the weaker side of an asymmetric dynamometer pair.
    """

    mmt: int | None
    n_per_kg: float | None
    weak: bool | None


def assess_hip_abductors(tests: Tests | None) -> SidePair[HipAbductorSide]:
    """Flag hip abductor weakness (MMT < 5) and dynamometer asymmetry (< 90 %)."""
    mmts = _values(tests.hip_abductor_mmt if tests else None)
    hhd = _values(tests.hip_abductor_n_per_kg if tests else None)
    symmetry: float | None = None
    weaker: Side | None = None
    if hhd[0] is not None and hhd[1] is not None:
        hi = max(hhd)
        symmetry = 1.0 if hi == 0 else round(min(hhd) / hi, 3)
        if symmetry < T.HHD_SYMMETRY_MIN:
            weaker = "left" if hhd[0] < hhd[1] else "right"
    sides: list[HipAbductorSide] = []
    for name, mmt, force in zip(SIDES, mmts, hhd, strict=True):
        flags: list[bool | None] = [None if mmt is None else mmt < T.MMT_NORMAL]
        if symmetry is not None:
            flags.append(weaker == name)
        sides.append(HipAbductorSide(mmt, force, _tight(flags)))
    diff = {
        "n_per_kg": _diff(hhd[0], hhd[1], 3),
        "symmetry_index": symmetry,
        "asymmetric": None if symmetry is None else symmetry < T.HHD_SYMMETRY_MIN,
        "weaker_side": weaker,
    }
    criteria = (
        Criterion(f"manual muscle test < {T.MMT_NORMAL} → weak", _cite("mrc_scale")),
        Criterion(
            f"dynamometer: weaker side < {T.HHD_SYMMETRY_MIN:.0%} of the stronger → "
            "asymmetric (no absolute N/kg cut-off)",
            _cite("convention"),
        ),
    )
    return SidePair(sides[0], sides[1], diff, criteria)
