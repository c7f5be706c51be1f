"""The kinechain.intake/1 format: parsing, ranges, all-errors-at-once, contradictions, schema."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kinechain.clinic import (
    INTAKE_SCHEMA_ID,
    Intake,
    IntakeError,
    intake_json_schema,
    intake_template,
    parse_intake,
)
from kinechain.clinic._intake import (
    Lifestyle,
    Patient,
    PsfsActivity,
    Questionnaires,
    RedFlags,
    Tests,
)
from kinechain.errors import InputError

ISSUE_EXAMPLE: dict[str, Any] = {
    "schema": "kinechain.intake/1",
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


def errors_of(data: object) -> list[tuple[str, str]]:
    with pytest.raises(IntakeError) as info:
        parse_intake(data, "intake.json")
    return info.value.errors


def with_value(path: str, value: object, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The issue's example (or ``base``) with one value set at a dotted path (list index as a
    number)."""
    data = copy.deepcopy(ISSUE_EXAMPLE if base is None else base)
    node: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        key: Any = int(part) if part.isdigit() else part
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    node[last] = value
    return data


# --- the example and the template -----------------------------------------------------------


def test_issue_example_parses_and_round_trips() -> None:
    intake = parse_intake(ISSUE_EXAMPLE, "intake.json")
    assert intake.schema_id == INTAKE_SCHEMA_ID
    assert intake.tests is not None and intake.tests.wblt_cm is not None
    assert intake.tests.wblt_cm.left == 6.0
    assert intake.questionnaires is not None
    assert intake.questionnaires.odi == [2, 1, 2, 1, 0, 2, 1, None, 1, 2]
    # to_dict gives back the same document (numbers compare equal: 0 == 0.0).
    assert intake.to_dict() == ISSUE_EXAMPLE
    assert parse_intake(intake.to_dict()) == intake


def test_template_is_the_issue_example_and_a_fresh_copy() -> None:
    assert intake_template() == ISSUE_EXAMPLE
    t = intake_template()
    t["patient"]["age"] = 99
    assert intake_template()["patient"]["age"] == 45


def test_full_template_sets_every_field() -> None:
    full = intake_template(full=True)
    intake = parse_intake(full)
    for model in (
        intake.patient,
        intake.tests,
        intake.questionnaires,
        intake.red_flags,
        intake.lifestyle,
    ):
        assert model is not None
        unset = [name for name in type(model).model_fields if getattr(model, name) is None]
        assert unset == [], f"{type(model).__name__} fields missing from the template: {unset}"
    assert intake.date is not None and intake.date.isoformat() == "2025-01-15"


def test_only_schema_is_required() -> None:
    intake = parse_intake({"schema": "kinechain.intake/1"})
    assert intake.patient is None and intake.tests is None and intake.red_flags is None
    for model in (Patient, Tests, Questionnaires, RedFlags, Lifestyle):
        assert all(not f.is_required() for f in model.model_fields.values())


def test_an_intake_is_returned_as_is() -> None:
    intake = parse_intake(ISSUE_EXAMPLE)
    assert parse_intake(intake) is intake


# --- schema field --------------------------------------------------------------------------


def test_missing_schema() -> None:
    errs = errors_of({"patient": {"age": 40}})
    assert errs == [("schema", 'required: every intake starts with "schema": "kinechain.intake/1"')]


def test_other_version_is_refused_with_the_supported_one() -> None:
    errs = errors_of({"schema": "kinechain.intake/2"})
    assert errs[0][0] == "schema"
    assert "kinechain.intake/2" in errs[0][1] and '"kinechain.intake/1"' in errs[0][1]


@pytest.mark.parametrize("data", [[1, 2], "text", 3, None])
def test_top_level_must_be_an_object(data: object) -> None:
    errs = errors_of(data)
    assert errs[0][0] == "(top level)" and "expected a JSON object" in errs[0][1]


# --- every range, at and beyond its bounds ----------------------------------------------------

RANGES = [
    # (path, lowest allowed, highest allowed, unit shown in the message)
    ("patient.age", 0, 120, "years"),
    ("patient.height_m", 0.5, 2.5, "m"),
    ("patient.mass_kg", 10, 300, "kg"),
    ("tests.wblt_cm.left", 0, 25, "cm"),
    ("tests.wblt_deg.right", 0, 70, "deg"),
    ("tests.df_knee_extended_deg.right", -30, 60, "deg"),
    ("tests.df_knee_flexed_deg.left", -30, 60, "deg"),
    ("tests.standing_knee_hyperextension_deg.left", -20, 30, "deg"),
    ("tests.standing_pelvic_tilt_deg.left", -30, 45, "deg"),
    ("tests.thomas_hip_deg.left", -40, 60, "deg"),
    ("tests.thomas_knee_deg.left", 0, 150, "deg"),
    ("tests.hamstring_ake_deg.left", 0, 90, "deg"),
    ("tests.hamstring_slr_deg.left", 0, 130, "deg"),
    ("tests.hip_abductor_mmt.left", 0, 5, ""),
    ("tests.hip_abductor_n_per_kg.left", 0, 15, "N/kg"),
    ("questionnaires.nprs", 0, 10, ""),
    ("questionnaires.odi.0", 0, 5, ""),
    ("questionnaires.startback.0", 0, 1, ""),
    ("questionnaires.startback.8", 0, 4, ""),
    ("lifestyle.sitting_hours_per_day", 0, 24, "h/day"),
    ("lifestyle.shoe_age_months", 0, 240, "months"),
    ("lifestyle.shoe_km", 0, 10000, "km"),
    ("lifestyle.activity_minutes_per_week", 0, 5000, "min/week"),
]


def base_for(path: str) -> dict[str, Any]:
    """A document where the value at ``path`` cannot contradict another one."""
    return {"schema": INTAKE_SCHEMA_ID} if "df_knee" in path else ISSUE_EXAMPLE


@pytest.mark.parametrize(("path", "lo", "hi", "unit"), RANGES)
def test_bounds_are_inclusive(path: str, lo: float, hi: float, unit: str) -> None:
    parse_intake(with_value(path, lo, base_for(path)))
    parse_intake(with_value(path, hi, base_for(path)))


@pytest.mark.parametrize(("path", "lo", "hi", "unit"), RANGES)
def test_out_of_range_names_field_and_range(path: str, lo: float, hi: float, unit: str) -> None:
    step = 1 if isinstance(lo, int) and isinstance(hi, int) else 0.1
    for bad in (lo - step, hi + step):
        errs = errors_of(with_value(path, bad, base_for(path)))
        assert len(errs) == 1
        field, message = errs[0]
        # "questionnaires.odi.0" is shown as "questionnaires.odi[0]"
        shown = path.replace(".0", "[0]").replace(".8", "[8]")
        assert field == shown
        assert "out of range" in message
        lo_s = str(int(lo)) if float(lo).is_integer() else str(lo)
        hi_s = str(int(hi)) if float(hi).is_integer() else str(hi)
        assert f"from {lo_s} to {hi_s}" in message
        assert unit in message


def test_odi_and_startback_messages_give_the_number_on_the_form() -> None:
    (err,) = errors_of(with_value("questionnaires.odi.7", 6))
    assert err[0] == "questionnaires.odi[7]" and err[1].endswith("(section 8)")
    (err,) = errors_of(with_value("questionnaires.startback.8", 5))
    assert err[0] == "questionnaires.startback[8]" and err[1].endswith("(item 9)")


def test_height_in_cm_gets_a_hint() -> None:
    (err,) = errors_of(with_value("patient.height_m", 165))
    assert err[0] == "patient.height_m" and "metres" in err[1]


@pytest.mark.parametrize("bad", [True, "6", [6], {"v": 6}, float("nan"), float("inf")])
def test_numbers_refuse_other_types_and_non_finite(bad: object) -> None:
    (err,) = errors_of(with_value("tests.wblt_cm.left", bad))
    assert err[0] == "tests.wblt_cm.left"
    assert "from 0 to 25 cm" in err[1]


def test_whole_number_fields_accept_integral_floats_only() -> None:
    intake = parse_intake(with_value("questionnaires.nprs", 6.0))
    assert intake.questionnaires is not None and intake.questionnaires.nprs == 6
    assert isinstance(intake.questionnaires.nprs, int)
    (err,) = errors_of(with_value("questionnaires.nprs", 6.5))
    assert err[0] == "questionnaires.nprs" and "whole number" in err[1]


def test_null_means_not_measured() -> None:
    intake = parse_intake(with_value("tests.wblt_cm.left", None))
    assert intake.tests is not None and intake.tests.wblt_cm is not None
    assert intake.tests.wblt_cm.left is None and intake.tests.wblt_cm.right == 11.5


# --- other types -----------------------------------------------------------------------------


def test_booleans_are_strict() -> None:
    (err,) = errors_of(with_value("red_flags.fever", "yes"))
    assert err == ("red_flags.fever", 'expected true or false (or null), got "yes"')
    (err,) = errors_of(with_value("red_flags.fever", 1))
    assert err[0] == "red_flags.fever"


def test_sex_choices() -> None:
    (err,) = errors_of(with_value("patient.sex", "F"))
    assert err[0] == "patient.sex" and "'female'" in err[1] and "'male'" in err[1]
    parse_intake(with_value("patient.sex", "other"))


def test_unknown_field_suggests_the_close_one() -> None:
    (err,) = errors_of(with_value("tests.wblt_cn", {"left": 3}))
    assert err[0] == "tests.wblt_cn"
    assert "did you mean 'wblt_cm'?" in err[1] and "df_knee_flexed_deg" in err[1]
    (err,) = errors_of(with_value("pateint", {"age": 3}))
    assert err[0] == "pateint" and "did you mean 'patient'?" in err[1]


def test_section_of_the_wrong_type() -> None:
    (err,) = errors_of(with_value("tests", [1, 2]))
    assert err[0] == "tests" and err[1].startswith("expected an object with fields wblt_cm")
    (err,) = errors_of(with_value("tests.wblt_cm", 6.0))
    assert err == ("tests.wblt_cm", "expected an object with fields left, right, got a number")


def test_bad_date() -> None:
    (err,) = errors_of(with_value("date", "15/01/2025"))
    assert err[0] == "date" and "YYYY-MM-DD" in err[1]


# --- lists ---------------------------------------------------------------------------------


def test_odi_needs_ten_answers() -> None:
    (err,) = errors_of(with_value("questionnaires.odi", [1] * 9))
    assert err[0] == "questionnaires.odi" and err[1].startswith("expected 10 section answers")
    assert err[1].endswith("got 9")


def test_startback_needs_nine_answers_and_item_ranges() -> None:
    (err,) = errors_of(with_value("questionnaires.startback", [0] * 10))
    assert err[0] == "questionnaires.startback" and err[1].endswith("got 10")
    # Items 1-8 are 0/1; item 9 is 0-4.
    errs = errors_of(with_value("questionnaires.startback", [2, 0, 0, 0, 0, 0, 0, 0, 4]))
    assert [f for f, _ in errs] == ["questionnaires.startback[0]"]
    parse_intake(with_value("questionnaires.startback", [1, 1, 1, 1, 1, 1, 1, 1, 4]))
    parse_intake(with_value("questionnaires.startback", [None] * 9))


def test_rmdq_ticked_item_numbers() -> None:
    intake = parse_intake(with_value("questionnaires.rmdq", [24, 1, 7]))
    assert intake.questionnaires is not None and intake.questionnaires.rmdq == [1, 7, 24]
    parse_intake(with_value("questionnaires.rmdq", []))
    (err,) = errors_of(with_value("questionnaires.rmdq", [3, 3]))
    assert err == ("questionnaires.rmdq", "item 3 is listed more than once")
    errs = errors_of(with_value("questionnaires.rmdq", [0, 25]))
    assert [f for f, _ in errs] == ["questionnaires.rmdq[0]", "questionnaires.rmdq[1]"]


def test_psfs_activities() -> None:
    ok = [{"activity": "walking", "score": 0}, {"activity": "running", "score": 10}]
    intake = parse_intake(with_value("questionnaires.psfs", ok))
    assert intake.questionnaires is not None and intake.questionnaires.psfs is not None
    assert intake.questionnaires.psfs[1] == PsfsActivity(activity="running", score=10)
    (err,) = errors_of(with_value("questionnaires.psfs", []))
    assert err[0] == "questionnaires.psfs" and "1 to 5" in err[1]
    (err,) = errors_of(with_value("questionnaires.psfs", ok * 3))
    assert err[0] == "questionnaires.psfs" and err[1].endswith("got 6")
    errs = errors_of(with_value("questionnaires.psfs", [{"activity": "", "score": 11}]))
    assert sorted(f for f, _ in errs) == [
        "questionnaires.psfs[0].activity",
        "questionnaires.psfs[0].score",
    ]
    (err,) = errors_of(with_value("questionnaires.psfs", [{"score": 3}]))
    assert err == ("questionnaires.psfs[0].activity", "required field is missing")


@pytest.mark.parametrize("value", [-12, 12, 0, [2, 2, 2, 2, 2, 2], [-2, -1, 0, 1, 2, 0]])
def test_fpi6_total_or_six_items(value: object) -> None:
    parse_intake(with_value("tests.fpi6.left", value))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13, "got 13"),
        (-13, "got -13"),
        (4.5, "got 4.5"),
        (True, "got true"),
        ([1, 1, 1, 1, 1], "got a list of 5 items"),
        ([1, 1, 3, 1, 1, 1], "item 3 is 3"),
    ],
)
def test_fpi6_errors(value: object, text: str) -> None:
    (err,) = errors_of(with_value("tests.fpi6.left", value))
    assert err[0] == "tests.fpi6.left" and text in err[1]


# --- contradictions --------------------------------------------------------------------------


def test_flexed_below_extended_beyond_error_names_both_fields() -> None:
    # right: extended 12°, flexed 6° → 6° below, more than the 5° tolerance.
    (err,) = errors_of(with_value("tests.df_knee_flexed_deg.right", 6))
    assert err[0] == "tests.df_knee_flexed_deg.right"
    assert "tests.df_knee_extended_deg.right (12 deg)" in err[1] and "by 6 deg" in err[1]


def test_flexed_below_extended_within_error_is_accepted() -> None:
    # 12° − 5° = 7°: exactly at the tolerance, allowed; 6.9° is not.
    parse_intake(with_value("tests.df_knee_flexed_deg.right", 7))
    errors_of(with_value("tests.df_knee_flexed_deg.right", 6.9))


def test_out_of_range_dorsiflexion_is_not_also_called_contradictory() -> None:
    # extended 61° is out of range: reported once, not compared with flexed 22°.
    assert [f for f, _ in errors_of(with_value("tests.df_knee_extended_deg.right", 61))] == [
        "tests.df_knee_extended_deg.right"
    ]


def test_contradiction_reported_with_other_errors() -> None:
    data = with_value("tests.df_knee_flexed_deg.left", -10)  # extended 0° → 10° below
    data["tests"]["wblt_cm"]["right"] = 30  # out of range in the same section
    data["questionnaires"]["nprs"] = 11
    fields = [f for f, _ in errors_of(data)]
    assert sorted(fields) == [
        "questionnaires.nprs",
        "tests.df_knee_flexed_deg.left",
        "tests.wblt_cm.right",
    ]


def test_every_error_at_once_one_line_each() -> None:
    data = copy.deepcopy(ISSUE_EXAMPLE)
    data["patient"]["age"] = -1
    data["tests"]["wblt_cm"]["left"] = 40
    data["tests"]["df_knee_flexed_deg"]["right"] = 2  # extended 12: 10° below
    data["questionnaires"]["odi"][3] = 7
    data["questionnaires"]["startback"][8] = 9
    data["red_flags"]["fever"] = "no"
    data["lifestyle"]["sitting_hours_per_day"] = 25
    with pytest.raises(IntakeError) as info:
        parse_intake(data, "visit1.json")
    err = info.value
    assert isinstance(err, InputError)
    assert err.path == "visit1.json"
    assert [f for f, _ in err.errors] == [
        "patient.age",
        "tests.wblt_cm.left",
        "questionnaires.odi[3]",
        "questionnaires.startback[8]",
        "red_flags.fever",
        "lifestyle.sitting_hours_per_day",
        "tests.df_knee_flexed_deg.right",
    ]
    lines = str(err).splitlines()
    assert len(lines) == 7
    assert all(line.startswith("visit1.json: ") for line in lines)
    assert lines[1] == (
        "visit1.json: tests.wblt_cm.left: 40 is out of range: allowed a number "
        "from 0 to 25 cm (toe-to-wall distance in cm)"
    )


def test_single_error_sets_field() -> None:
    with pytest.raises(IntakeError) as info:
        parse_intake(with_value("questionnaires.nprs", 12), "a.json")
    assert info.value.field == "questionnaires.nprs"
    assert str(info.value).count("\n") == 0


# --- JSON Schema ---------------------------------------------------------------------------


def test_json_schema_publishes_fields_ranges_and_required_schema() -> None:
    schema = intake_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    assert schema["required"] == ["schema"]
    assert schema["properties"]["schema"]["const"] == "kinechain.intake/1"
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    left = defs["WbltCmSides"]["properties"]["left"]["anyOf"][0]
    assert left == {"type": "number", "minimum": 0, "maximum": 25}
    odi = defs["Questionnaires"]["properties"]["odi"]["anyOf"][0]
    assert odi["minItems"] == odi["maxItems"] == 10
    assert odi["items"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 5}
    sb = defs["Questionnaires"]["properties"]["startback"]["anyOf"][0]
    assert sb["prefixItems"][0]["anyOf"][0]["maximum"] == 1
    assert sb["prefixItems"][8]["anyOf"][0]["maximum"] == 4
    fpi = defs["Fpi6Sides"]["properties"]["left"]["anyOf"][0]["oneOf"]
    assert fpi[0]["minimum"] == -12 and fpi[1]["minItems"] == 6
    # Every model field is in the schema (so the docs' field table and the schema agree).
    for model in (Patient, Tests, Questionnaires, RedFlags, Lifestyle):
        assert set(defs[model.__name__]["properties"]) == set(model.model_fields)
    assert set(schema["properties"]) == {f.alias or n for n, f in Intake.model_fields.items()}
