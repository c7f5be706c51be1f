"""The clinical intake format ``kinechain.intake/1``: models, validation and JSON Schema.

An intake is one JSON object. Every field is optional except ``schema``. Values out of
their allowed range, of the wrong type, unknown fields and contradictory tests are all
reported together by :func:`parse_intake`, each with its field path (``tests.wblt_cm.left``,
``questionnaires.odi[7]``) and the allowed range. See ``docs/clinic.md`` for the field
table.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import math
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Final, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from kinechain.clinic._thresholds import DF_CONTRADICTION_TOLERANCE_DEG, PSFS_MAX_ACTIVITIES
from kinechain.errors import InputError

__all__ = [
    "INTAKE_SCHEMA_ID",
    "Intake",
    "IntakeError",
    "Lifestyle",
    "Patient",
    "PsfsActivity",
    "Questionnaires",
    "RedFlags",
    "Tests",
    "intake_json_schema",
    "intake_template",
    "parse_intake",
]

#: The format identifier every intake file starts with.
INTAKE_SCHEMA_ID: Final = "kinechain.intake/1"

Side = Literal["left", "right"]


# ---------------------------------------------------------------------------------------
# The error
# ---------------------------------------------------------------------------------------


class IntakeError(InputError):
    """One or more invalid values in a clinical intake.

    ``str(error)`` has one line per problem, ``"<source>: <field>: <message>"``, so a CLI can
    print it as is.

    Parameters
    ----------
    path : str or None
        The intake file (or another name for the input).
    errors : sequence of (str, str)
        ``(field path, message)`` for every problem, in document order.

    Attributes
    ----------
    errors : list of (str, str)
        The problems, as given.
    """

    def __init__(self, path: object, errors: Sequence[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors)
        n = len(self.errors)
        summary = f"{n} invalid value{'s' if n != 1 else ''} in the intake"
        super().__init__(path, summary, field=self.errors[0][0] if n == 1 else None)
        where = self.path or "<input>"
        self.args = ("\n".join(f"{where}: {f}: {m}" for f, m in self.errors),)


# ---------------------------------------------------------------------------------------
# Value types with their own messages
# ---------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    """Format a bound: ``5`` rather than ``5.0``, ``1.5`` as is."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _show(value: object) -> str:
    """A short JSON-like rendering of an input value for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(kind: str, message: str, **ctx: object) -> PydanticCustomError:
    return PydanticCustomError(kind, "{msg}", {"msg": message, **ctx})


@dataclass(frozen=True)
class _Range:
    """Pydantic metadata: a number in ``[lo, hi]`` (booleans and strings refused)."""

    lo: float
    hi: float
    unit: str = ""
    integer: bool = False
    hint: str = ""

    @property
    def allowed(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        unit = f" {self.unit}" if self.unit else ""
        return f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}{unit}"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out: dict[str, Any] = {
            "type": "integer" if self.integer else "number",
            "minimum": self.lo if not float(self.lo).is_integer() else int(self.lo),
            "maximum": self.hi if not float(self.hi).is_integer() else int(self.hi),
        }
        return out

    def validate(self, value: object) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(
                "number_type",
                f"expected {self.allowed}, got {_show(value)}",
                lo=self.lo,
                hi=self.hi,
                unit=self.unit,
            )
        if self.integer and isinstance(value, float):
            if not value.is_integer():
                raise _fail(
                    "integer_type",
                    f"expected {self.allowed}, got {_show(value)}",
                    lo=self.lo,
                    hi=self.hi,
                    unit=self.unit,
                )
            value = int(value)
        if not (math.isfinite(value) and self.lo <= value <= self.hi):
            hint = f" ({self.hint})" if self.hint else ""
            raise _fail(
                "out_of_range",
                f"{_show(value)} is out of range: allowed {self.allowed}{hint}",
                lo=self.lo,
                hi=self.hi,
                unit=self.unit,
            )
        return int(value) if self.integer else float(value)


@dataclass(frozen=True)
class _Fpi6:
    """Pydantic metadata: an FPI-6 total (−12..+12) or its six item scores (each −2..+2)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(self.validate)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "oneOf": [
                {"type": "integer", "minimum": -12, "maximum": 12, "description": "FPI-6 total"},
                {
                    "type": "array",
                    "minItems": 6,
                    "maxItems": 6,
                    "items": {"type": "integer", "minimum": -2, "maximum": 2},
                    "description": "the six FPI-6 item scores, in the order of the FPI-6 manual",
                },
            ]
        }

    @staticmethod
    def validate(value: object) -> int | tuple[int, ...]:
        allowed = (
            "expected the FPI-6 total (a whole number from -12 to 12) or a list of the "
            "6 item scores (each a whole number from -2 to 2)"
        )
        if isinstance(value, (list, tuple)):
            if len(value) != 6:
                raise _fail("fpi6_items", f"{allowed}; got a list of {len(value)} items")
            items: list[int] = []
            for i, item in enumerate(value, start=1):
                number = _whole(item, -2, 2)
                if number is None:
                    raise _fail(
                        "fpi6_items",
                        f"item {i} is {_show(item)}: each FPI-6 item is a whole "
                        "number from -2 to 2",
                    )
                items.append(number)
            return tuple(items)
        total = _whole(value, -12, 12)
        if total is None:
            raise _fail("fpi6_total", f"{allowed}, got {_show(value)}")
        return total


def _whole(value: object, lo: int, hi: int) -> int | None:
    """``value`` as an int when it is a whole number in ``[lo, hi]`` (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not (math.isfinite(value) and float(value).is_integer() and lo <= value <= hi):
        return None
    return int(value)


def _exact_length(n: int, what: str) -> BeforeValidator:
    """A before-validator: a list must have exactly ``n`` entries."""

    def check(value: object) -> object:
        if isinstance(value, (list, tuple)) and len(value) != n:
            raise _fail("wrong_length", f"expected {n} {what}, got {len(value)}")
        return value

    return BeforeValidator(check)


def _length_between(lo: int, hi: int, what: str) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, (list, tuple)) and not lo <= len(value) <= hi:
            raise _fail("wrong_length", f"expected {lo} to {hi} {what}, got {len(value)}")
        return value

    return BeforeValidator(check)


def _unique_items(value: list[int]) -> list[int]:
    seen: set[int] = set()
    for item in value:
        if item in seen:
            raise _fail("duplicate_item", f"item {item} is listed more than once")
        seen.add(item)
    return sorted(value)


# Per-side value types.
WbltCm = Annotated[float, _Range(0, 25, "cm", hint="toe-to-wall distance in cm")]
WbltDeg = Annotated[float, _Range(0, 70, "deg", hint="tibial inclination from vertical")]
_DF_RANGE = _Range(-30, 60, "deg")
DfDeg = Annotated[float, _DF_RANGE]
Fpi6 = Annotated[int | tuple[int, ...], _Fpi6()]
HyperextDeg = Annotated[float, _Range(-20, 30, "deg")]
PelvicTiltDeg = Annotated[float, _Range(-30, 45, "deg")]
ThomasHipDeg = Annotated[float, _Range(-40, 60, "deg")]
ThomasKneeDeg = Annotated[float, _Range(0, 150, "deg")]
AkeDeg = Annotated[float, _Range(0, 90, "deg")]
SlrDeg = Annotated[float, _Range(0, 130, "deg")]
Mmt = Annotated[int, _Range(0, 5, "(MMT grade)", integer=True)]
NPerKg = Annotated[float, _Range(0, 15, "N/kg")]

# Questionnaire item types.
OdiAnswer = Annotated[int, _Range(0, 5, integer=True)]
SbAgree = Annotated[int, _Range(0, 1, "(0 = disagree, 1 = agree)", integer=True)]
SbBother = Annotated[int, _Range(0, 4, "(0 = not at all ... 4 = extremely)", integer=True)]
RmdqItem = Annotated[int, _Range(1, 24, "(item number)", integer=True)]


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Sided(_Model):
    """Base of the per-side values; ``side(name)`` reads one side."""

    def side(self, name: Side) -> Any:
        """Return the value of ``"left"`` or ``"right"`` (None when not measured)."""
        return getattr(self, name)


class WbltCmSides(_Sided):
    """Weight-bearing lunge test, toe-to-wall distance, cm (0–25)."""

    left: WbltCm | None = None
    right: WbltCm | None = None


class WbltDegSides(_Sided):
    """Weight-bearing lunge test, tibial inclination from vertical, degrees (0–70)."""

    left: WbltDeg | None = None
    right: WbltDeg | None = None


class DfSides(_Sided):
    """Passive non-weight-bearing ankle dorsiflexion, degrees (−30–60; negative = short of
    neutral)."""

    left: DfDeg | None = None
    right: DfDeg | None = None


class Fpi6Sides(_Sided):
    """Foot Posture Index: total −12..+12, or the 6 item scores −2..+2."""

    left: Fpi6 | None = None
    right: Fpi6 | None = None


class HyperextensionSides(_Sided):
    """Standing knee hyperextension, degrees beyond straight (−20–30; positive = recurvatum)."""

    left: HyperextDeg | None = None
    right: HyperextDeg | None = None


class PelvicTiltSides(_Sided):
    """Standing ASIS–PSIS angle to the horizontal, degrees (−30–45; positive = anterior)."""

    left: PelvicTiltDeg | None = None
    right: PelvicTiltDeg | None = None


class ThomasHipSides(_Sided):
    """Modified Thomas test: thigh angle to the horizontal, degrees (−40–60; positive =
    thigh above horizontal)."""

    left: ThomasHipDeg | None = None
    right: ThomasHipDeg | None = None


class ThomasKneeSides(_Sided):
    """Modified Thomas test: knee flexion angle, degrees (0–150)."""

    left: ThomasKneeDeg | None = None
    right: ThomasKneeDeg | None = None


class BoolSides(_Sided):
    """A yes/no finding per side."""

    left: StrictBool | None = None
    right: StrictBool | None = None


class AkeSides(_Sided):
    """Active knee extension test (hip at 90°): knee angle short of full extension, degrees
    (0–90)."""

    left: AkeDeg | None = None
    right: AkeDeg | None = None


class SlrSides(_Sided):
    """Passive straight-leg raise: hip flexion angle, degrees (0–130)."""

    left: SlrDeg | None = None
    right: SlrDeg | None = None


class MmtSides(_Sided):
    """Manual muscle test grade, 0–5 (MRC/Oxford scale)."""

    left: Mmt | None = None
    right: Mmt | None = None


class NPerKgSides(_Sided):
    """Hand-held dynamometer force divided by body mass, N/kg (0–15)."""

    left: NPerKg | None = None
    right: NPerKg | None = None


class Patient(_Model):
    """Who was assessed."""

    id: StrictStr | None = Field(
        None, max_length=100, description="Pseudonymous identifier (no names)."
    )
    age: Annotated[int, _Range(0, 120, "years", integer=True)] | None = Field(
        None, description="Age in whole years (0–120)."
    )
    sex: Literal["female", "male", "other"] | None = Field(
        None, description="female, male or other (sex-specific norms need female or male)."
    )
    height_m: Annotated[float, _Range(0.5, 2.5, "m", hint="height in metres, e.g. 1.65")] | None = (
        Field(None, description="Height in metres (0.5–2.5).")
    )
    mass_kg: Annotated[float, _Range(10, 300, "kg")] | None = Field(
        None, description="Body mass in kg (10–300)."
    )


class Tests(_Model):
    """Clinical tests, each per side."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    wblt_cm: WbltCmSides | None = Field(
        None, description="Weight-bearing lunge test: big-toe-to-wall distance, cm."
    )
    wblt_deg: WbltDegSides | None = Field(
        None, description="Weight-bearing lunge test: tibial inclination from vertical, deg."
    )
    df_knee_extended_deg: DfSides | None = Field(
        None, description="Passive NWB dorsiflexion, knee extended, subtalar neutral, deg."
    )
    df_knee_flexed_deg: DfSides | None = Field(
        None, description="Passive NWB dorsiflexion, knee flexed (≥ 20°), deg."
    )
    fpi6: Fpi6Sides | None = Field(
        None, description="Foot Posture Index: total, or the 6 item scores."
    )
    standing_knee_hyperextension_deg: HyperextensionSides | None = Field(
        None, description="Standing knee hyperextension beyond 0°, deg."
    )
    standing_pelvic_tilt_deg: PelvicTiltSides | None = Field(
        None, description="Standing ASIS–PSIS angle (inclinometer), anterior positive, deg."
    )
    thomas_hip_deg: ThomasHipSides | None = Field(
        None, description="Modified Thomas test thigh angle to horizontal, above positive, deg."
    )
    thomas_knee_deg: ThomasKneeSides | None = Field(
        None, description="Modified Thomas test knee flexion angle, deg."
    )
    thomas_positive: BoolSides | None = Field(
        None,
        description="Thomas test read without a goniometer: true = thigh stays above the table.",
    )
    hamstring_ake_deg: AkeSides | None = Field(
        None, description="Active knee extension test: angle short of full extension, deg."
    )
    hamstring_slr_deg: SlrSides | None = Field(
        None, description="Passive straight-leg raise angle, deg."
    )
    hip_abductor_mmt: MmtSides | None = Field(
        None, description="Hip abductor manual muscle test grade 0–5."
    )
    hip_abductor_n_per_kg: NPerKgSides | None = Field(
        None, description="Hip abductor hand-held dynamometer force / body mass, N/kg."
    )

    @model_validator(mode="after")
    def _no_contradictions(self) -> Tests:
        raw = self.model_dump(include={"df_knee_extended_deg", "df_knee_flexed_deg"})
        problems = [(f.removeprefix("tests."), m) for f, m in _df_contradictions(raw)]
        if problems:
            raise PydanticCustomError(
                "contradictory_tests", "{msg}", {"msg": "contradictory tests", "problems": problems}
            )
        return self


class PsfsActivity(_Model):
    """One Patient-Specific Functional Scale activity."""

    activity: StrictStr = Field(
        min_length=1, max_length=200, description="The activity, in the patient's words."
    )
    score: Annotated[int, _Range(0, 10, "(0 = unable, 10 = as before)", integer=True)] = Field(
        description="0 (unable) to 10 (able at the pre-problem level)."
    )


OdiAnswers = Annotated[
    list[OdiAnswer | None],
    _exact_length(10, "section answers (0-5, null for an unanswered section)"),
    Field(min_length=10, max_length=10),
]
StartBackAnswers = Annotated[
    tuple[
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbAgree | None,
        SbBother | None,
    ],
    _exact_length(9, "answers (items 1-8: 0/1, item 9: 0-4; null if unanswered)"),
]
RmdqTicked = Annotated[list[RmdqItem], AfterValidator(_unique_items)]
PsfsList = Annotated[
    list[PsfsActivity],
    _length_between(1, PSFS_MAX_ACTIVITIES, "activities"),
    Field(min_length=1, max_length=PSFS_MAX_ACTIVITIES),
]


class Questionnaires(_Model):
    """Patient-reported questionnaires, each as answered."""

    odi: OdiAnswers | None = Field(
        None,
        description="Oswestry Disability Index: the 10 section answers 0–5, null = unanswered.",
    )
    nprs: Annotated[int, _Range(0, 10, integer=True)] | None = Field(
        None, description="Numeric Pain Rating Scale 0–10."
    )
    startback: StartBackAnswers | None = Field(
        None,
        description="STarT Back: items 1–8 as 0 (disagree) / 1 (agree), item 9 as 0–4 "
        "(not at all, slightly, moderately, very much, extremely); null = unanswered.",
    )
    rmdq: RmdqTicked | None = Field(
        None,
        description="Roland-Morris: the numbers (1–24) of the statements the patient "
        "ticked; [] = none ticked.",
    )
    psfs: PsfsList | None = Field(
        None,
        description="Patient-Specific Functional Scale: 1–5 activities (3–5 "
        "recommended), each scored 0–10.",
    )


_FLAG = "true = present, false = asked and absent, null/missing = not asked"


class RedFlags(_Model):
    """Red-flag screening answers (true = present)."""

    # Cauda equina syndrome → emergency.
    saddle_anaesthesia: StrictBool | None = Field(
        None, description=f"Saddle numbness or paraesthesia ({_FLAG})."
    )
    bladder_or_bowel_dysfunction: StrictBool | None = Field(
        None, description="Urinary retention or incontinence, faecal incontinence."
    )
    progressive_leg_weakness: StrictBool | None = Field(
        None, description="Progressive neurological deficit (weakness) in the legs."
    )
    severe_neurological_deficit: StrictBool | None = Field(
        None, description="Severe neurological deficit in the legs."
    )
    gait_disturbance: StrictBool | None = Field(None, description="New gait disturbance.")
    # Malignancy → urgent.
    history_of_cancer: StrictBool | None = Field(None, description="History of cancer.")
    unexplained_weight_loss: StrictBool | None = Field(None, description="Unexplained weight loss.")
    age_under_20_or_over_50_new_pain: StrictBool | None = Field(
        None, description="New back pain starting under 20 or over 50 years of age."
    )
    night_pain: StrictBool | None = Field(
        None, description="Night pain not eased by changing position."
    )
    no_improvement_after_1_month: StrictBool | None = Field(
        None, description="No improvement after one month of care."
    )
    pain_at_multiple_sites: StrictBool | None = Field(None, description="Pain at multiple sites.")
    # Infection → urgent.
    fever: StrictBool | None = Field(None, description="Fever, chills or rigors.")
    immunosuppression: StrictBool | None = Field(None, description="Immunosuppression.")
    iv_drug_use: StrictBool | None = Field(None, description="Intravenous drug use.")
    recent_bacterial_infection: StrictBool | None = Field(
        None, description="Recent bacterial infection."
    )
    penetrating_wound: StrictBool | None = Field(None, description="Penetrating wound.")
    # Fracture → urgent.
    major_trauma: StrictBool | None = Field(None, description="Major trauma.")
    minor_trauma_with_osteoporosis_or_steroids: StrictBool | None = Field(
        None, description="Minor trauma with osteoporosis or corticosteroid use."
    )
    structural_deformity: StrictBool | None = Field(
        None, description="Structural deformity of the spine."
    )
    severe_central_pain_eased_by_lying: StrictBool | None = Field(
        None, description="Severe central pain eased by lying down."
    )


class Lifestyle(_Model):
    """Everyday factors that may contribute."""

    sitting_hours_per_day: Annotated[float, _Range(0, 24, "h/day")] | None = Field(
        None, description="Hours sitting per day (0–24)."
    )
    standing_occupation: StrictBool | None = Field(None, description="Works mostly standing.")
    high_impact_without_warmup: StrictBool | None = Field(
        None, description="Does running/jumping sport without warming up."
    )
    shoe_age_months: Annotated[float, _Range(0, 240, "months")] | None = Field(
        None, description="Age of the everyday/sport shoes, months (0–240)."
    )
    shoe_km: Annotated[float, _Range(0, 10000, "km")] | None = Field(
        None, description="Distance run in the current running shoes, km (0–10000)."
    )
    activity_minutes_per_week: Annotated[float, _Range(0, 5000, "min/week")] | None = Field(
        None, description="Moderate-to-vigorous physical activity, minutes per week."
    )


class Intake(_Model):
    """A clinical intake in the ``kinechain.intake/1`` format."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="kinechain clinical intake (kinechain.intake/1)",
    )

    schema_id: Literal["kinechain.intake/1"] = Field(
        alias="schema", description='Format and version: always "kinechain.intake/1".'
    )
    date: dt.date | None = Field(None, description="Date of the assessment, YYYY-MM-DD.")
    notes: StrictStr | None = Field(None, max_length=5000, description="Free text.")
    patient: Patient | None = None
    tests: Tests | None = None
    questionnaires: Questionnaires | None = None
    red_flags: RedFlags | None = None
    lifestyle: Lifestyle | None = None

    def to_dict(self) -> dict[str, Any]:
        """The intake as JSON-ready data (unset fields left out)."""
        out: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return out


# ---------------------------------------------------------------------------------------
# Parsing and error messages
# ---------------------------------------------------------------------------------------


def _path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` from a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that validates the object at ``loc`` (None when not a model)."""
    tp: Any = Intake
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(part, int):
            args = get_args(tp)
            if get_origin(tp) is list and args:
                tp = args[0]
            elif get_origin(tp) is tuple and len(args) > part:
                tp = args[part]
            else:
                return None
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {(f.alias or n): f for n, f in tp.model_fields.items()}
            if part not in fields:
                return None
            tp = fields[part].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _item_label(loc: Sequence[str | int]) -> str:
    """`` (section 8)`` for ``questionnaires.odi[7]``: the number printed on the form."""
    if len(loc) == 3 and loc[0] == "questionnaires" and isinstance(loc[2], int):
        word = "section" if loc[1] == "odi" else "item"
        return f" ({word} {loc[2] + 1})"
    return ""


def _df_contradictions(tests: object) -> list[tuple[str, str]]:
    """Knee-flexed DF below knee-extended DF beyond measurement error, per side.

    Works on raw (possibly otherwise invalid) data, so that a contradiction is reported
    together with every other problem; values that are not valid numbers are skipped.
    """
    if not isinstance(tests, dict):
        return []
    ext, flx = tests.get("df_knee_extended_deg"), tests.get("df_knee_flexed_deg")
    if not isinstance(ext, dict) or not isinstance(flx, dict):
        return []
    problems: list[tuple[str, str]] = []
    for side in ("left", "right"):
        e, f = ext.get(side), flx.get(side)
        try:
            e, f = _DF_RANGE.validate(e), _DF_RANGE.validate(f)
        except PydanticCustomError:
            continue  # reported as an invalid value; no contradiction check on it
        if f < e - DF_CONTRADICTION_TOLERANCE_DEG:
            problems.append(
                (
                    f"tests.df_knee_flexed_deg.{side}",
                    f"{_fmt(f)} deg is below tests.df_knee_extended_deg.{side} ({_fmt(e)} deg) by "
                    f"{_fmt(round(e - f, 2))} deg: dorsiflexion with the knee flexed cannot be "
                    "smaller than with the knee extended beyond measurement error "
                    f"({_fmt(DF_CONTRADICTION_TOLERANCE_DEG)} deg); check both values (swapped?)",
                )
            )
    return problems


def _translate(err: Any) -> list[tuple[str, str]]:
    """Turn one pydantic error into ``(field path, message)`` entries."""
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    path = _path(loc)
    if kind == "contradictory_tests":
        return [(_path((*loc, *str(f).split("."))), str(m)) for f, m in ctx["problems"]]
    if "msg" in ctx:  # our own validators
        return [(path, str(ctx["msg"]) + _item_label(loc))]
    if kind == "missing":
        if loc == ("schema",):
            return [(path, f'required: every intake starts with "schema": "{INTAKE_SCHEMA_ID}"')]
        return [(path, "required field is missing")]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        names = _field_names(model) if model is not None else []
        msg = "unknown field"
        close = difflib.get_close_matches(str(loc[-1]), names, n=1)
        if close:
            msg += f" (did you mean '{close[0]}'?)"
        if names:
            msg += "; allowed: " + ", ".join(names)
        return [(path, msg)]
    if kind == "literal_error":
        if loc == ("schema",):
            return [
                (
                    path,
                    f"unsupported intake format {_show(value)}; this kinechain reads "
                    f'"{INTAKE_SCHEMA_ID}"',
                )
            ]
        return [
            (
                path,
                f"expected {ctx.get('expected', 'one of the allowed values')}, got {_show(value)}",
            )
        ]
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc)
        fields = f" with fields {', '.join(_field_names(model))}" if model is not None else ""
        return [(path, f"expected an object{fields}, got {_kind_of(value)}")]
    if kind in ("bool_type", "bool_parsing"):
        return [(path, f"expected true or false (or null), got {_show(value)}")]
    if kind in ("string_type", "string_too_short", "string_too_long"):
        extra = ""
        if "min_length" in ctx or "max_length" in ctx:
            extra = f" of {ctx.get('min_length', 0)} to {ctx.get('max_length', 'any')} characters"
        return [(path, f"expected text{extra}, got {_show(value)}")]
    if kind in ("list_type", "tuple_type"):
        return [(path, f"expected a list, got {_kind_of(value)}")]
    if kind.startswith("date"):
        return [(path, f"expected a date as YYYY-MM-DD, got {_show(value)}")]
    return [(path, f"{err['msg']} (got {_show(value)})")]


def parse_intake(data: object, source: str | None = None) -> Intake:
    """Validate intake data (already decoded from JSON) and return the typed intake.

    Parameters
    ----------
    data : object
        The decoded JSON document (normally a dict). An :class:`Intake` is returned as is.
    source : str, optional
        Where the data came from (a file name), used in the error message.

    Returns
    -------
    Intake

    Raises
    ------
    IntakeError
        Listing every problem at once: out-of-range values with the allowed range, wrong
        types, unknown fields, a missing or unsupported ``schema``, and contradictory tests
        (knee-flexed dorsiflexion below knee-extended by more than 5°).
    """
    if isinstance(data, Intake):
        return data
    if not isinstance(data, dict):
        raise IntakeError(
            source, [("(top level)", f"expected a JSON object, got {_kind_of(data)}")]
        )
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for err in exc.errors(include_url=False):
            for entry in _translate(err):
                if entry not in problems:
                    problems.append(entry)
        for entry in _df_contradictions(data.get("tests")):
            if entry not in problems:
                problems.append(entry)
        raise IntakeError(source, problems) from None


def intake_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``kinechain.intake/1``.

    The schema checks types, ranges and unknown fields; the cross-field rule (knee-flexed
    dorsiflexion not below knee-extended by more than 5°) is checked by
    :func:`parse_intake` only.
    """
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    schema.update(Intake.model_json_schema(by_alias=True))
    return schema


_EXAMPLE: Final[dict[str, Any]] = {
    "schema": INTAKE_SCHEMA_ID,
    "patient": {"age": 45, "sex": "female", "height_m": 1.65, "mass_kg": 62.0},
    "tests": {
        "wblt_cm": {"left": 6.0, "right": 11.5},
        "df_knee_extended_deg": {"left": 0, "right": 12},
        "df_knee_flexed_deg": {"left": 20, "right": 22},
        "fpi6": {"left": 8, "right": 4},
    },
    "questionnaires": {
        "odi": [2, 1, 2, 1, 0, 2, 1, None, 1, 2],
        "nprs": 6,
        "startback": [1, 0, 1, 0, 1, 1, 0, 0, 3],
    },
    "red_flags": {
        "saddle_anaesthesia": False,
        "bladder_or_bowel_dysfunction": False,
        "progressive_leg_weakness": False,
        "history_of_cancer": False,
        "unexplained_weight_loss": False,
        "fever": False,
        "major_trauma": False,
    },
    "lifestyle": {"sitting_hours_per_day": 9},
}

_FULL_EXTRA: Final[dict[str, Any]] = {
    "date": "2025-01-15",
    "notes": "Example only.",
    "patient": {"id": "P-0001"},
    "tests": {
        "wblt_deg": {"left": 22.0, "right": 41.0},
        "standing_knee_hyperextension_deg": {"left": 7.0, "right": 3.0},
        "standing_pelvic_tilt_deg": {"left": 15.0, "right": 14.0},
        "thomas_hip_deg": {"left": 5.0, "right": -8.0},
        "thomas_knee_deg": {"left": 60.0, "right": 75.0},
        "thomas_positive": {"left": True, "right": False},
        "hamstring_ake_deg": {"left": 30.0, "right": 20.0},
        "hamstring_slr_deg": {"left": 65.0, "right": 70.0},
        "hip_abductor_mmt": {"left": 4, "right": 5},
        "hip_abductor_n_per_kg": {"left": 2.1, "right": 2.6},
    },
    "questionnaires": {
        "rmdq": [2, 5, 9, 14, 21],
        "psfs": [
            {"activity": "walking 30 minutes", "score": 4},
            {"activity": "sitting through a film", "score": 5},
            {"activity": "lifting a child", "score": 3},
        ],
    },
    "red_flags": {field: False for field in RedFlags.model_fields},
    "lifestyle": {
        "standing_occupation": False,
        "high_impact_without_warmup": True,
        "shoe_age_months": 18,
        "shoe_km": 300,
        "activity_minutes_per_week": 90,
    },
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif key not in out:
            out[key] = copy.deepcopy(value)
    return out


def intake_template(full: bool = False) -> dict[str, Any]:
    """An example intake.

    Parameters
    ----------
    full : bool, default False
        False gives the example of the format's specification (issue 3); True adds an example
        value for every other field.

    Returns
    -------
    dict
        A new, JSON-ready dict that :func:`parse_intake` accepts.
    """
    return _merge(_EXAMPLE, _FULL_EXTRA) if full else copy.deepcopy(_EXAMPLE)
