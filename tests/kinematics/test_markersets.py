"""Marker-set recognition and user mappings, on the real files' labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kinechain.errors import MarkerSetError
from kinechain.kinematics._markersets import (
    MARKER_SETS,
    ROLES,
    MarkerMapping,
    capabilities,
    detect_markerset,
    mapping_from_dict,
    match_markerset,
    normalize_label,
)
from kinechain.trial import Trial

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _trial_from_c3d(path: Path) -> Trial:
    """The marker labels and positions of a C3D (mm -> m); enough for recognition."""
    import ezc3d

    c = ezc3d.c3d(str(path))
    pt = c["parameters"]["POINT"]
    xyz = c["data"]["points"][:3] / 1000.0
    labels = list(pt["LABELS"]["value"])[: xyz.shape[1]]
    markers = {lab: xyz[:, i, :].T for i, lab in enumerate(labels) if lab.strip()}
    return Trial(
        source=str(path), point_rate=100.0, first_frame=1, n_frames=xyz.shape[2], markers=markers
    )


def _trial(labels: list[str], n: int = 5) -> Trial:
    rng = np.random.default_rng(0)
    return Trial(
        source="synthetic.c3d",
        point_rate=100.0,
        first_frame=1,
        n_frames=n,
        markers={lab: rng.normal(size=(n, 3)) for lab in labels},
    )


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("LASI", "lasi"),
        ("HC032A:LASI", "lasi"),
        ("r asis", "rasis"),
        ("L_IAS", "lias"),
        ("l-fle", "lfle"),
        ("Subject 1:R.FM5", "rfm5"),
    ],
)
def test_normalize_label(label: str, key: str) -> None:
    assert normalize_label(label) == key


def test_roles_are_named_per_side() -> None:
    for role in (
        "left_asis",
        "right_psis",
        "sacrum",
        "left_lateral_epicondyle",
        "right_medial_malleolus",
        "left_fifth_metatarsal",
        "c7",
        "clavicle",
    ):
        assert role in ROLES
    assert len(ROLES) == len(set(ROLES))


def test_hc032_is_plug_in_gait() -> None:
    match = detect_markerset(_trial_from_c3d(SHARED / "c3d" / "biomechzoo" / "HC032A03.c3d"))
    assert match.name == "plug_in_gait" and match.model == "plug_in_gait"
    assert match.mapping is not None
    m = match.mapping.markers
    assert m["left_asis"] == "LASI" and m["sacrum"] == "SACR" and m["right_toe"] == "RTOE"
    assert m["left_lateral_epicondyle"] == "LKNE" and m["left_tibia"] == "LTIB"
    # Oxford-foot-model extras found under their roles
    assert m["left_tibial_tuberosity"] == "LTUB" and m["right_fifth_metatarsal"] == "RD5M"
    assert match.missing["plug_in_gait"] == () and match.missing["anatomical"] == ()
    for side in ("left", "right"):
        for joint in ("hip", "knee", "ankle", "foot_progression"):
            assert f"{side}_{joint}" in match.computable
    assert "pelvis" in match.computable and match.reason is None


def test_hc032_static_has_medial_landmarks() -> None:
    match = detect_markerset(_trial_from_c3d(SHARED / "c3d" / "biomechzoo" / "HC032A01.c3d"))
    assert match.mapping is not None
    assert match.mapping.label("left_medial_malleolus") == "LMMA"
    assert match.mapping.label("right_first_metatarsal") == "RD1M"


def test_bts_is_davis() -> None:
    match = detect_markerset(_trial_from_c3d(SHARED / "c3d" / "ezc3d" / "BTS.c3d"))
    assert match.name == "davis" and match.model == "anatomical"
    assert match.mapping is not None
    m = match.mapping.markers
    assert m["right_asis"] == "r asis" and m["left_asis"] == "l asis" and m["sacrum"] == "sacrum"
    assert m["right_lateral_epicondyle"] == "r knee 1" and m["left_thigh"] == "l bar 1"
    assert m["right_tibia"] == "r bar 2" and m["right_tibial_tuberosity"] == "RATT"
    assert m["right_shank_1"] == "SCR1" and m["left_shank_2"] == "SCL2"
    assert m["left_heel"] == "l heel" and m["left_fifth_metatarsal"] == "l met"
    assert m["c7"] == "c7" and m["right_shoulder"] == "r should"
    # no malleolus markers in this file: said, but the ankle is still computable (functional)
    assert "right_lateral_malleolus" in match.missing["anatomical"]
    assert "right_knee" in match.computable and "left_ankle" in match.computable
    assert match.missing["plug_in_gait"]  # not a Plug-in Gait set


def test_ior_names_any_spelling() -> None:
    labels = [
        "Sub01:L_IAS",
        "r_ias",
        "LIPS",
        "IPS_R",
        "L_FLE",
        "l_fme",
        "R FLE",
        "R_FME",
        "L_FAL",
        "L_TAM",
        "R_FAL",
        "R_TAM",
        "L_FCC",
        "R_FCC",
        "L_FM1",
        "L_FM5",
        "R_FM1",
        "R_FM5",
        "L_FM2",
        "R_FM2",
        "L_GT",
        "R_GT",
    ]
    match = detect_markerset(_trial(labels))
    assert match.name == "ior" and match.mapping is not None
    m = match.mapping.markers
    assert m["left_asis"] == "Sub01:L_IAS" and m["right_asis"] == "r_ias"
    assert m["right_psis"] == "IPS_R" and m["left_medial_epicondyle"] == "l_fme"
    assert m["right_lateral_epicondyle"] == "R FLE" and m["left_greater_trochanter"] == "L_GT"
    assert match.missing["anatomical"] == ()
    assert set(match.computable) >= {"pelvis", "left_knee", "right_ankle"}


def test_all_nan_marker_counts_as_missing() -> None:
    trial = _trial(["LASI", "RASI", "SACR", "LKNE", "LTHI", "LANK", "LHEE", "LTOE"])
    trial.markers["LKNE"][:] = np.nan
    match = detect_markerset(trial)
    assert "left_hip" not in match.computable
    assert "left_lateral_epicondyle" in match.missing["anatomical"]


def test_unknown_marker_set_says_why() -> None:
    path = SHARED / "c3d" / "c3d-org" / "Eb015pr.c3d"
    match = detect_markerset(_trial_from_c3d(path))
    assert match.name is None and match.mapping is None
    assert not match.usable and match.model is None and match.computable == ()
    assert match.reason is not None and "\n" not in match.reason
    assert str(path) in match.reason
    for needed in ("left_asis", "right_asis", "sacrum", "lateral_epicondyle", "heel"):
        assert needed in match.reason
    assert "RFT1" in match.reason  # what the file does hold


def test_capabilities_without_knee_marker() -> None:
    comp, missing = capabilities({"left_asis", "right_asis", "sacrum", "left_heel", "left_toe"})
    assert comp == ("pelvis", "left_foot_progression")
    assert "left_lateral_epicondyle" in missing["anatomical"]


def test_match_markerset_by_name() -> None:
    mapping = match_markerset("davis", ["r asis", "l asis", "sacrum", "r knee 1"])
    assert mapping.name == "davis" and mapping.label("right_lateral_epicondyle") == "r knee 1"
    assert set(MARKER_SETS) == {"plug_in_gait", "davis", "ior"}


def test_custom_mapping(tmp_path: Path) -> None:
    spec = {
        "model": "anatomical",
        "description": "lab A",
        "markers": {
            "left_asis": "MyLASIS",
            "right_asis": "MyRASIS",
            "sacrum": "MySACR",
            "left_lateral_epicondyle": "KneeL",
            "left_thigh": "ThighL",
        },
    }
    path = tmp_path / "lab.json"
    path.write_text(json.dumps(spec))
    mapping = mapping_from_dict(json.loads(path.read_text()), source=str(path))
    assert mapping.name == "custom" and mapping.source == str(path)
    trial = _trial(["subj:mylasis", "MyRASIS", "MySACR", "KneeL", "ThighL", "Other"])
    match = detect_markerset(trial, mapping)
    assert match.name == "custom" and match.mapping is not None
    assert match.mapping.label("left_asis") == "subj:mylasis"
    assert "left_hip" in match.computable


def test_custom_mapping_that_finds_nothing() -> None:
    mapping = mapping_from_dict({"markers": {"left_asis": "Nope", "right_asis": "Nada"}})
    match = detect_markerset(_trial(["A", "B"]), mapping)
    assert match.name is None and match.reason is not None
    assert "'Nope'" in match.reason and "synthetic.c3d" in match.reason


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"markers": {"left_asiss": "X"}}, "markers.left_asiss", "did you mean 'left_asis'"),
        ({"markers": {"left_asis": 3}}, "markers.left_asis", "non-empty string"),
        ({"markers": {"left_asis": " "}}, "markers.left_asis", "non-empty string"),
        ({"markers": {"left_asis": "A", "right_asis": "a"}}, "markers.right_asis", "already"),
        ({"model": "pyCGM", "markers": {"left_asis": "A"}}, "model", "anatomical"),
        ({"markers": []}, "markers", "object"),
        ({"model": "anatomical"}, "markers", "markers"),
        ({"markers": {"left_asis": "A"}, "marker": {}}, "marker", "unknown key"),
    ],
)
def test_custom_mapping_errors_name_the_key(data: object, field: str, words: str) -> None:
    with pytest.raises(MarkerSetError) as err:
        mapping_from_dict(data, source="lab/mapping.json")
    assert err.value.field == field
    assert str(err.value).startswith(f"lab/mapping.json: {field}: ")
    assert words in str(err.value)


def test_custom_mapping_must_be_an_object() -> None:
    with pytest.raises(MarkerSetError, match="JSON object"):
        mapping_from_dict(["left_asis"], source="x.json")


def test_bind_keeps_only_labels_in_the_file() -> None:
    mapping = MarkerMapping("custom", {"left_asis": "lasi", "right_asis": "RASI"})
    bound = mapping.bind(["HC:LASI", "Other"])
    assert dict(bound.markers) == {"left_asis": "HC:LASI"}
