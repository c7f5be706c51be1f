"""The clinical intake as one HTML form, generated from the ``kinechain.intake/1`` models.

Form names are the intake's field paths (``tests.wblt_cm.left``, ``red_flags.fever``), so an
error of :func:`kinechain.clinic.parse_intake` lands beside the input it names. Kinds and
ranges come from the pydantic models in :mod:`kinechain.clinic._intake`; only the labels and
the grouping into sections are written here.
"""

from __future__ import annotations

import importlib
import json
import math
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from kinechain.clinic import INTAKE_SCHEMA_ID, IntakeError, parse_intake
from kinechain.clinic._intake import Lifestyle, Patient, RedFlags, Tests, _Fpi6, _Range

Kind = Literal["number", "integer", "fpi6", "bool", "choice", "text", "date", "textarea"]

#: The hidden field that carries questionnaire answers this form does not show.
KEEP_QUESTIONNAIRES = "questionnaires._kept"


@dataclass(frozen=True)
class FormField:
    """One input: its form name (= intake path), label, kind and the allowed range."""

    name: str
    label: str
    kind: Kind
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TestRow:
    """A clinical test measured on both sides: two inputs, ``<name>.left`` / ``.right``."""

    __test__ = False  # not a pytest class

    key: str
    label: str
    kind: Kind
    hint: str

    @property
    def left(self) -> str:
        return f"tests.{self.key}.left"

    @property
    def right(self) -> str:
        return f"tests.{self.key}.right"


# --- field tables: labels and sections; kinds and ranges come from the models -------------

_TEST_SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Calf and ankle",
        (
            ("wblt_cm", "Weight-bearing lunge: toe to wall (cm)"),
            ("wblt_deg", "Weight-bearing lunge: tibial angle (°)"),
            ("df_knee_extended_deg", "Dorsiflexion, knee extended (°)"),
            ("df_knee_flexed_deg", "Dorsiflexion, knee flexed (°)"),
        ),
    ),
    ("Foot", (("fpi6", "Foot Posture Index FPI-6"),)),
    (
        "Knee and pelvis",
        (
            ("standing_knee_hyperextension_deg", "Standing knee hyperextension (°)"),
            ("standing_pelvic_tilt_deg", "Standing pelvic tilt, ASIS–PSIS (°)"),
        ),
    ),
    (
        "Hip",
        (
            ("thomas_hip_deg", "Modified Thomas test: thigh angle (°)"),
            ("thomas_knee_deg", "Modified Thomas test: knee angle (°)"),
            ("thomas_positive", "Thomas test positive (thigh stays up)"),
            ("hamstring_ake_deg", "Hamstrings: active knee extension (°)"),
            ("hamstring_slr_deg", "Hamstrings: straight-leg raise (°)"),
            ("hip_abductor_mmt", "Hip abductors: manual muscle test (0–5)"),
            ("hip_abductor_n_per_kg", "Hip abductors: dynamometer (N/kg)"),
        ),
    ),
)

_PATIENT_LABELS = (
    ("age", "Age (years)"),
    ("sex", "Sex"),
    ("height_m", "Height (m)"),
    ("mass_kg", "Body mass (kg)"),
    ("id", "Pseudonymous id (no names)"),
)

_LIFESTYLE_LABELS = (
    ("sitting_hours_per_day", "Sitting (hours a day)"),
    ("standing_occupation", "Works mostly standing"),
    ("high_impact_without_warmup", "Running/jumping sport without warm-up"),
    ("shoe_age_months", "Age of the shoes (months)"),
    ("shoe_km", "Distance in the running shoes (km)"),
    ("activity_minutes_per_week", "Moderate-to-vigorous activity (min/week)"),
)

YES_NO = (("yes", "yes"), ("no", "no"))


def _metadata(annotation: Any) -> Iterator[Any]:
    """Every metadata object inside an annotation (through Optional and Annotated)."""
    if hasattr(annotation, "__metadata__"):
        yield from annotation.__metadata__
    for arg in get_args(annotation):
        if arg is not type(None) and not isinstance(arg, str | int | float):
            yield from _metadata(arg)


def _plain(annotation: Any) -> Any:
    """The annotation without ``Optional``/``Annotated``."""
    while True:
        origin = get_origin(annotation)
        if hasattr(annotation, "__metadata__"):
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _kind_of(model: type[BaseModel], name: str) -> tuple[Kind, str, tuple[tuple[str, str], ...]]:
    """(kind, allowed-range hint, choices) of a model field."""
    ann = model.model_fields[name].annotation
    for meta in _metadata(ann):
        if isinstance(meta, _Range):
            return ("integer" if meta.integer else "number"), meta.allowed, ()
        if isinstance(meta, _Fpi6):
            return "fpi6", "total −12 to 12, or the 6 item scores (−2 to 2) separated by commas", ()
    plain = _plain(ann)
    if plain is bool:
        return "bool", "", YES_NO
    if get_origin(plain) is Literal:
        values = tuple(str(v) for v in get_args(plain))
        return "choice", "", tuple((v, v) for v in values)
    return "text", "", ()


def _fields(model: type[BaseModel], prefix: str, labels: tuple[tuple[str, str], ...]) -> list[Any]:
    out = []
    for name, label in labels:
        kind, hint, choices = _kind_of(model, name)
        out.append(FormField(f"{prefix}.{name}", label, kind, hint, choices))
    return out


def _test_rows() -> list[tuple[str, list[TestRow]]]:
    sections = []
    for title, rows in _TEST_SECTIONS:
        out = []
        for key, label in rows:
            sides = _plain(Tests.model_fields[key].annotation)
            kind, allowed, _ = _kind_of(sides, "left")
            desc = Tests.model_fields[key].description or ""
            hint = f"{desc} {allowed}." if allowed else desc
            out.append(TestRow(key, label, kind, hint.strip()))
        sections.append((title, out))
    return sections


PATIENT_FIELDS: list[FormField] = _fields(Patient, "patient", _PATIENT_LABELS)
TEST_SECTIONS: list[tuple[str, list[TestRow]]] = _test_rows()
TEST_ROWS: list[TestRow] = [row for _, rows in TEST_SECTIONS for row in rows]
LIFESTYLE_FIELDS: list[FormField] = _fields(Lifestyle, "lifestyle", _LIFESTYLE_LABELS)
RED_FLAG_FIELDS: list[FormField] = [
    FormField(
        f"red_flags.{name}",
        (f.description or name).split(" (true = present")[0].rstrip("."),
        "bool",
        choices=YES_NO,
    )
    for name, f in RedFlags.model_fields.items()
]
NPRS_FIELD = FormField(
    "questionnaires.nprs", "Pain now, NPRS (0–10)", "integer", "a whole number from 0 to 10"
)
DATE_FIELD = FormField("date", "Date of the assessment", "date")
NOTES_FIELD = FormField("notes", "Notes", "textarea", "free text, up to 5000 characters")


def all_fields() -> list[FormField]:
    """Every single-value input of the form (each test side as its own field)."""
    out = [DATE_FIELD, *PATIENT_FIELDS]
    for row in TEST_ROWS:
        out += [
            FormField(row.left, f"{row.label}, left", row.kind, row.hint, YES_NO),
            FormField(row.right, f"{row.label}, right", row.kind, row.hint, YES_NO),
        ]
    out += [*RED_FLAG_FIELDS, *LIFESTYLE_FIELDS, NOTES_FIELD]
    return out


# --- the questionnaire part, from the portal helper when it is there ---------------------


def questionnaire_module() -> Any | None:
    """``kinechain.web._questionnaire_form`` when installed, else None (NPRS-only form)."""
    try:
        return importlib.import_module("kinechain.web._questionnaire_form")
    except ImportError:
        return None


# --- form → intake -------------------------------------------------------------------------


def _number(text: str, kind: Kind) -> tuple[Any, str | None]:
    s = text.strip().replace("−", "-")
    if kind == "fpi6":
        parts = [p for p in s.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            return None, "enter the FPI-6 total, or the 6 item scores separated by commas"
        if not all(math.isfinite(n) and n.is_integer() for n in numbers):
            return None, "enter whole numbers"
        ints = [int(n) for n in numbers]
        return (ints[0] if len(ints) == 1 else ints), None
    try:
        value = float(s.replace(",", "."))
    except ValueError:
        return None, "enter a whole number" if kind == "integer" else "enter a number"
    if not math.isfinite(value):
        return None, "enter a finite number"
    if kind == "integer":
        if not value.is_integer():
            return None, "enter a whole number"
        return int(value), None
    return value, None


def _convert(field: FormField, text: str) -> tuple[Any, str | None]:
    if field.kind in ("number", "integer", "fpi6"):
        return _number(text, field.kind)
    if field.kind == "bool":
        if text in ("yes", "no"):
            return text == "yes", None
        return None, "choose yes or no"
    if field.kind == "choice":
        allowed = [v for v, _ in field.choices]
        if text not in allowed:
            return None, "choose one of: " + ", ".join(allowed)
        return text, None
    return text, None


def _put(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def intake_from_form(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The intake dict typed into the form (empty inputs left out) and the inputs that are
    not even numbers (``{form name: message}``), before the library's validation."""
    doc: dict[str, Any] = {"schema": INTAKE_SCHEMA_ID}
    errors: dict[str, str] = {}
    for field in all_fields():
        text = str(form.get(field.name, "") or "")
        if field.kind != "textarea":
            text = text.strip()
        if not text.strip():
            continue
        value, problem = _convert(field, text)
        if problem is not None:
            errors[field.name] = problem
            continue
        _put(doc, field.name, value)
    questionnaires: dict[str, Any] = {}
    kept = str(form.get(KEEP_QUESTIONNAIRES, "") or "").strip()
    if kept:
        try:
            loaded = json.loads(kept)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            questionnaires.update(loaded)
    module = questionnaire_module()
    if module is not None:
        from_form: Callable[[Mapping[str, str]], tuple[dict[str, Any], dict[str, str]]] = (
            module.questionnaires_from_form
        )
        block, q_errors = from_form(form)
        questionnaires.update(block or {})
        errors.update(q_errors)
    else:
        text = str(form.get(NPRS_FIELD.name, "") or "").strip()
        if text:
            value, problem = _number(text, "integer")
            if problem is not None:
                errors[NPRS_FIELD.name] = problem
            else:
                questionnaires["nprs"] = value
    if questionnaires:
        doc["questionnaires"] = questionnaires
    return doc, errors


def _without(doc: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of ``doc`` without the values at ``paths`` (they already have an error)."""
    out = json.loads(json.dumps(doc))
    for path in paths:
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return dict(out)


def form_name_for(path: str, names: set[str]) -> str:
    """The form input an intake error path belongs to (the longest matching prefix).

    ``questionnaires.odi[7]`` without an input of its own goes to ``questionnaires``;
    anything else unknown to ``form``.
    """
    if path in names:
        return path
    base = path.split("[")[0]
    while base:
        if base in names:
            return base
        if "." not in base:
            break
        base = base.rsplit(".", 1)[0]
    top = path.split(".")[0].split("[")[0]
    return (
        top if top in ("questionnaires", "tests", "patient", "red_flags", "lifestyle") else "form"
    )


def validate_form(
    form: Mapping[str, str], extra_names: set[str] | None = None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(valid intake dict, {}) or (None, {form name: message}) for the whole form."""
    doc, errors = intake_from_form(form)
    names = {f.name for f in all_fields()} | {NPRS_FIELD.name} | (extra_names or set())
    try:
        intake = parse_intake(_without(doc, list(errors)), source="the form")
    except IntakeError as exc:
        for path, message in exc.errors:
            name = form_name_for(path, names)
            if name in errors:
                continue
            if name != path and name in ("questionnaires", "form"):
                message = f"{path}: {message}"
            errors[name] = message
        return None, errors
    if errors:
        return None, errors
    return intake.to_dict(), {}


# --- intake → form values (to prefill) -----------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _get(doc: Mapping[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def form_values(intake: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for a stored intake (what the clinician sees when editing)."""
    values: dict[str, str] = {}
    for field in all_fields():
        value = _get(intake, field.name)
        if value is not None:
            values[field.name] = _text(value)
    q = dict(intake.get("questionnaires") or {})
    module = questionnaire_module()
    to_form = getattr(module, "questionnaire_values", None) if module is not None else None
    if callable(to_form):
        values.update({k: str(v) for k, v in dict(to_form(q)).items()})
        return values
    # Answers the form cannot show travel in a hidden field, so saving never loses them.
    if module is None and q.get("nprs") is not None:
        values[NPRS_FIELD.name] = _text(q.pop("nprs"))
    if q:
        values[KEEP_QUESTIONNAIRES] = json.dumps(q)
    return values
