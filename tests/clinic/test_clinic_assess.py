"""assess_clinical end to end, read_intake's file errors, and the public API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kinechain.clinic as clinic
from kinechain.clinic import (
    IntakeError,
    assess_clinical,
    intake_template,
    parse_intake,
    read_intake,
)
from kinechain.clinic import _thresholds as T
from kinechain.errors import DataFormatError, InputError


def test_issue_example_output_contract() -> None:
    d = assess_clinical(parse_intake(intake_template())).to_dict()
    json.dumps(d, allow_nan=False)
    assert list(d)[:3] == ["schema", "red_flags", "program"]  # red flags first
    assert d["red_flags"]["refer"] is False and d["red_flags"]["urgency"] == "none"
    assert d["program"]["allowed"] is True
    # ODI: 12 / 45 × 100 = 26.67 %; STarT Back total 5, subscale 3 → medium.
    assert d["questionnaires"]["odi"]["score_percent"] == 26.67
    assert d["questionnaires"]["startback"]["risk"] == "medium"
    assert d["questionnaires"]["nprs"]["score"] == 6
    # left: 0° extended, 20° flexed → gastrocnemius; lunge 6.0 cm < 9.2 → restricted.
    calf = d["calf"]
    assert calf["left"]["classification"] == "gastrocnemius"
    assert calf["left"]["severity"] == "equinus"
    assert calf["left"]["wblt"]["restricted"] is True
    assert calf["left"]["wblt"]["deg"] == 21.6
    # right: 12° extended → normal; lunge 11.5 cm → not restricted.
    assert calf["right"]["classification"] == "normal"
    assert calf["right"]["wblt"]["restricted"] is False
    # 6.0 − 11.5 = −5.5 cm (> 2 cm) → left is tighter.
    assert calf["side_difference"]["wblt_cm"] == -5.5
    assert calf["side_difference"]["tighter_side"] == "left"
    # FPI-6 8 → pronated; 4 → normal.
    assert d["foot"]["left"]["category"] == "pronated"
    assert d["foot"]["right"]["category"] == "normal"
    # 9 h sitting > 6 h.
    assert [f["id"] for f in d["lifestyle"]["factors"]] == ["prolonged_sitting"]
    assert d["patient"] == {"age": 45, "sex": "female", "height_m": 1.65, "mass_kg": 62.0}


def test_emergency_empties_the_program() -> None:
    data = intake_template()
    data["red_flags"]["bladder_or_bowel_dysfunction"] = True
    a = assess_clinical(parse_intake(data))
    assert a.program.allowed is False
    assert "cauda equina" in a.program.reason
    d = a.to_dict()
    assert d["red_flags"]["urgency"] == "emergency" and d["red_flags"]["refer"] is True
    assert d["red_flags"]["reasons"][0]["flag"] == "bladder_or_bowel_dysfunction"


def test_empty_intake() -> None:
    d = assess_clinical(parse_intake({"schema": "kinechain.intake/1"})).to_dict()
    assert d["calf"]["left"]["classification"] is None
    assert d["calf"]["right"]["classification"] is None
    assert d["questionnaires"]["odi"] is None
    assert d["red_flags"]["screened"] is False
    json.dumps(d, allow_nan=False)


def test_full_template_assesses() -> None:
    a = assess_clinical(parse_intake(intake_template(full=True)))
    d = a.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["date"] == "2025-01-15"
    assert d["hamstrings"]["left"]["tight"] is True  # female, AKE 30° > 23.4°
    assert d["hip_flexors"]["left"]["classification"] == "short"
    assert d["questionnaires"]["psfs"]["activities"][0] == {
        "activity": "walking 30 minutes",
        "score": 4,
    }


# --- read_intake ------------------------------------------------------------------------------


def test_read_intake_ok(tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake_template()), encoding="utf-8")
    assert read_intake(path) == parse_intake(intake_template())


def test_read_intake_invalid_values_name_the_file(tmp_path: Path) -> None:
    data = intake_template()
    data["questionnaires"]["nprs"] = 12
    path = tmp_path / "visit.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IntakeError) as info:
        read_intake(path)
    assert str(info.value).startswith(f"{path}: questionnaires.nprs: 12 is out of range")


@pytest.mark.parametrize(
    ("content", "error", "text"),
    [
        (b'{"schema": "kinechain.intake/1",}', DataFormatError, "line 1, column 33"),
        (
            b'{"schema": "kinechain.intake/1", "schema": "x"}',
            DataFormatError,
            "duplicate key 'schema'",
        ),
        (b"\xff\xfe{}", DataFormatError, "not UTF-8"),
        (b"   ", DataFormatError, "empty"),
        (b"[1, 2]", IntakeError, "expected a JSON object"),
    ],
)
def test_read_intake_bad_files(
    tmp_path: Path, content: bytes, error: type[InputError], text: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        read_intake(path)
    assert isinstance(info.value, InputError)
    assert info.value.path == str(path)
    assert text in str(info.value)


def test_read_intake_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        read_intake(tmp_path / "nope.json")
    assert info.value.path == str(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a directory"):
        read_intake(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(intake_template()).encode())
    read_intake(path)


# --- API and sources --------------------------------------------------------------------------


def test_public_api() -> None:
    for name in clinic.__all__:
        assert hasattr(clinic, name), name


def test_change_thresholds_cite_known_sources() -> None:
    for change in T.OUTCOME_CHANGE.values():
        assert change.sources and all(k in T.CITATIONS for k in change.sources)
