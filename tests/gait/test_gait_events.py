"""Gait events against Vicon's own events and on synthetic plates."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kinechain.errors import EventError
from kinechain.gait import (
    angle_events,
    detect_events,
    force_plate_events,
    kinematic_events,
    merge_events,
)
from kinechain.trial import Event, ForcePlate, Trial


def _nearest(events: tuple[Event, ...], ref: Event) -> Event:
    same = [e for e in events if e.side == ref.side and e.kind == ref.kind]
    assert same, f"no {ref.side} {ref.kind} detected"
    return min(same, key=lambda e: abs(e.time_s - ref.time_s))


def _errors_ms(events: tuple[Event, ...], refs: tuple[Event, ...]) -> dict[str, float]:
    return {f"{r.side} {r.kind}": 1000.0 * (_nearest(events, r).time_s - r.time_s) for r in refs}


# --------------------------------------------------------------------------- HC032A03


def test_vicon_reference_has_four_events(hc032_vicon_events: tuple[Event, ...]) -> None:
    kinds = sorted((e.side, e.kind) for e in hc032_vicon_events)
    assert kinds == [
        ("left", "foot_off"),
        ("left", "foot_strike"),
        ("right", "foot_off"),
        ("right", "foot_strike"),
    ]


def test_raw_copy_has_no_events(hc032_raw_trial: Trial) -> None:
    assert hc032_raw_trial.events == ()
    assert len(hc032_raw_trial.force_plates) == 2


def test_force_plate_events_match_vicon_within_one_frame(
    hc032_raw_trial: Trial, hc032_vicon_events: tuple[Event, ...]
) -> None:
    fp = force_plate_events(hc032_raw_trial)
    assert all(e.source == "force_plate" for e in fp)
    # One clean contact per plate: right foot on one, left foot on the other.
    assert len(fp) == 4
    errors = _errors_ms(fp, hc032_vicon_events)
    # Measured: left strike +0.6, right strike -3.8, left off -1.8, right off +1.7 ms.
    assert all(abs(v) <= 10.0 for v in errors.values()), errors


def test_kinematic_events_match_vicon_within_30_ms(
    hc032_raw_trial: Trial, hc032_vicon_events: tuple[Event, ...]
) -> None:
    kin = kinematic_events(hc032_raw_trial)
    assert all(e.source == "kinematics" for e in kin)
    errors = _errors_ms(kin, hc032_vicon_events)
    # Measured: left strike +3.6, right strike -1.6, left off +6.3, right off +7.8 ms.
    assert all(abs(v) <= 30.0 for v in errors.values()), errors
    # Two strikes and two offs per foot in the 2.1 s walk, alternating.
    for side in ("left", "right"):
        seq = [e.kind for e in kin if e.side == side]
        assert len(seq) == 4
        assert all(a != b for a, b in itertools.pairwise(seq))


def test_plain_zeni_strikes_come_early(
    hc032_raw_trial: Trial, hc032_vicon_events: tuple[Event, ...]
) -> None:
    # Without the heel-landing refinement the heel maximum precedes contact (documented).
    kin = kinematic_events(hc032_raw_trial, refine_strike=False)
    strikes = tuple(e for e in hc032_vicon_events if e.kind == "foot_strike")
    errors = _errors_ms(kin, strikes)
    assert all(-60.0 <= v <= -25.0 for v in errors.values()), errors


def test_detect_events_prefers_force_plates(
    hc032_raw_trial: Trial, hc032_vicon_events: tuple[Event, ...]
) -> None:
    events = detect_events(hc032_raw_trial)
    for ref in hc032_vicon_events:
        near = _nearest(events, ref)
        assert near.source == "force_plate"
        assert abs(near.time_s - ref.time_s) <= 0.010
    # No duplicate: one event per side and kind near each reference.
    for ref in hc032_vicon_events:
        close = [
            e
            for e in events
            if e.side == ref.side and e.kind == ref.kind and abs(e.time_s - ref.time_s) < 0.15
        ]
        assert len(close) == 1
    # Kinematics fill in the strikes and offs off the plates.
    assert {e.source for e in events} == {"force_plate", "kinematics"}
    assert len(events) == 8
    assert list(events) == sorted(events, key=lambda e: e.time_s)


def test_file_events_are_used_when_present(
    hc032_trial: Trial, hc032_vicon_events: tuple[Event, ...]
) -> None:
    only = detect_events(hc032_trial, supplement=False)
    assert sorted(only, key=lambda e: e.time_s) == sorted(
        hc032_vicon_events, key=lambda e: e.time_s
    )
    full = detect_events(hc032_trial)
    for ref in hc032_vicon_events:
        assert ref in full
    assert sum(e.source == "file" for e in full) == 4
    assert all(e.source in ("file", "kinematics") for e in full)
    ignored = detect_events(hc032_trial, use_file_events=False)
    assert all(e.source != "file" for e in ignored)


def test_angle_events_from_vicon_angles(
    hc032_trial: Trial,
    hc032_angles: dict[str, np.ndarray],
    hc032_vicon_events: tuple[Event, ...],
) -> None:
    ev = angle_events(hc032_trial.time, hc032_angles)
    errors = _errors_ms(ev, hc032_vicon_events)
    # Measured: strikes -40 and -48 ms (early, like plain Zeni), offs +13 ms.
    for key, v in errors.items():
        limit = 60.0 if "strike" in key else 30.0
        assert abs(v) <= limit, errors


def test_angles_used_when_markers_lack(
    hc032_trial: Trial, hc032_angles: dict[str, np.ndarray]
) -> None:
    bare = replace(hc032_trial, markers={}, force_plates=(), events=())
    with pytest.raises(EventError, match="no gait events"):
        detect_events(bare)
    ev = detect_events(bare, angles=hc032_angles)
    assert {e.side for e in ev} == {"left", "right"}
    assert all(e.source == "kinematics" for e in ev)


# --------------------------------------------------------------------------- other files


def test_eb015_force_plates_match_header_events(eb015_trial: Trial) -> None:
    # The 1989 c3d.org sample stores RIC 2.72 s, RHS 5.40 s, RTO 7.32 s in its header events.
    refs = eb015_trial.events
    assert sorted((e.kind, round(e.time_s, 2)) for e in refs) == [
        ("foot_off", 7.32),
        ("foot_strike", 2.72),
        ("foot_strike", 5.4),
    ]
    fp = force_plate_events(eb015_trial)
    assert all(e.side == "right" for e in fp)
    errors = _errors_ms(fp, refs)
    # Measured: -2.0, -10.2 and +5.1 ms (50 Hz cameras, 200 Hz plates).
    assert all(abs(v) <= 20.0 for v in errors.values()), errors
    # With the file's events, plates and kinematics only add what the file lacks.
    merged = detect_events(eb015_trial)
    assert all(r in merged for r in refs)
    assert {e.side for e in merged} == {"left", "right"}


def test_eb015_kinematic_events_plausible(eb015_trial: Trial) -> None:
    # Unnamed foot markers (LFT1-3, RFT1-3): heel and toe told by position. A slow walker
    # (Parkinson's disease project): strides of 2-3 s.
    kin = kinematic_events(eb015_trial)
    errors = _errors_ms(kin, eb015_trial.events)
    # Measured: -30.9, -19.3 and -14.5 ms.
    assert all(abs(v) <= 60.0 for v in errors.values()), errors
    fs = sorted(e.time_s for e in kin if e.side == "right" and e.kind == "foot_strike")
    stride = np.diff(fs)
    assert np.all((stride > 1.5) & (stride < 3.5)), stride


def test_bts_events_plausible(bts_trial: Trial) -> None:
    # Y-up lab, Davis marker names ("l heel", "r met"), three loaded plates out of six.
    fp = force_plate_events(bts_trial)
    assert {e.side for e in fp} == {"left", "right"}
    kin = kinematic_events(bts_trial)
    for ref in fp:
        errors = _errors_ms(kin, (ref,))
        # Measured: strikes within 4 ms, offs within 14 ms of the plates.
        assert all(abs(v) <= 30.0 for v in errors.values()), (ref, errors)
    left = sorted(e.time_s for e in fp if e.side == "left" and e.kind == "foot_strike")
    assert len(left) == 2 and 0.8 < left[1] - left[0] < 1.3


# --------------------------------------------------------------------------- synthetic


def _plate_trial(
    cop_path: np.ndarray, fz: np.ndarray, left_x: float, right_x: float, rate: float = 1000.0
) -> Trial:
    """One plate 0..0.6 m in x, -0.2..0.2 m in y; two still feet (heel, toe) along x."""
    n_an = fz.size
    n = int(n_an / rate * 100)
    force = np.zeros((n_an, 3))
    force[:, 2] = fz
    plate = ForcePlate(
        index=0,
        plate_type=2,
        rate=rate,
        corners=np.array([[0.6, 0.2, 0], [0, 0.2, 0], [0, -0.2, 0], [0.6, -0.2, 0]], float),
        force=force,
        cop=cop_path,
        free_moment=np.zeros((n_an, 3)),
    )

    def foot(x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        heel = np.tile([x, y, 0.03], (n, 1))
        toe = np.tile([x + 0.18, y, 0.03], (n, 1))
        return heel, toe

    lh, lt = foot(left_x, 0.08)
    rh, rt = foot(right_x, -0.08)
    return Trial(
        source="synthetic",
        point_rate=100.0,
        first_frame=1,
        n_frames=n,
        markers={"LHEE": lh, "LTOE": lt, "RHEE": rh, "RTOE": rt},
        analog_rate=rate,
        force_plates=(plate,),
        walking=np.array([1.0, 0.0, 0.0]),
    )


def test_threshold_crossing_is_interpolated() -> None:
    rate = 1000.0
    t = np.arange(1000) / rate
    # Trapezoid: 0 until 0.2005 s, ramps at 10 N/ms to 600 N, holds, falls back by 0.8 s.
    fz = np.clip(np.minimum((t - 0.2005) * 1e4, (0.8 - t) * 1e4), 0, 600)
    cop = np.tile([0.1, 0.08, 0.0], (1000, 1))
    trial = _plate_trial(cop, fz, left_x=0.05, right_x=1.5)
    ev = force_plate_events(trial, threshold_n=20.0)
    assert [(e.side, e.kind) for e in ev] == [("left", "foot_strike"), ("left", "foot_off")]
    assert ev[0].time_s == pytest.approx(0.2005 + 20 / 1e4, abs=1e-9)
    assert ev[1].time_s == pytest.approx(0.8 - 20 / 1e4, abs=1e-9)


def test_two_feet_on_one_plate_are_rejected() -> None:
    rate = 1000.0
    t = np.arange(1000) / rate
    fz = np.where((t > 0.1) & (t < 0.9), 700.0, 0.0)
    # COP walks from the left foot (x 0.05-0.23) to the right foot (x 0.35-0.53).
    frac = np.clip((t - 0.3) / 0.4, 0, 1)[:, None]
    cop = (1 - frac) * np.array([0.12, 0.08, 0.0]) + frac * np.array([0.45, -0.08, 0.0])
    trial = _plate_trial(cop, fz, left_x=0.05, right_x=0.35)
    assert force_plate_events(trial) == ()
    # The same force with the COP under the left foot throughout is a clean contact.
    clean = _plate_trial(np.tile([0.12, 0.08, 0.0], (1000, 1)), fz, 0.05, 0.35)
    assert len(force_plate_events(clean)) == 2


def test_foot_partly_off_the_plate_gives_no_strike() -> None:
    rate = 1000.0
    t = np.arange(1000) / rate
    fz = np.where((t > 0.1) & (t < 0.9), 700.0, 0.0)
    # Heel 0.1 m outside the plate (x = -0.1), toe on it: COP near the toe.
    cop = np.tile([0.05, 0.08, 0.0], (1000, 1))
    trial = _plate_trial(cop, fz, left_x=-0.1, right_x=1.5)
    ev = force_plate_events(trial)
    assert [(e.side, e.kind) for e in ev] == [("left", "foot_off")]


def test_merge_precedence() -> None:
    f = Event("left", "foot_strike", 1.00, "file")
    p = Event("left", "foot_strike", 1.02, "force_plate")
    k = Event("left", "foot_strike", 0.98, "kinematics")
    k_far = Event("left", "foot_strike", 2.0, "kinematics")
    k_other = Event("right", "foot_strike", 1.0, "kinematics")
    assert merge_events((k, k_far, k_other), (p,), (f,)) == (f, k_other, k_far)
    assert merge_events((k, k_far), (p,)) == (p, k_far)


def test_no_markers_no_plates_raises(tmp_path: Path) -> None:
    trial = Trial(source=str(tmp_path / "empty.c3d"), point_rate=100.0, first_frame=1, n_frames=10)
    with pytest.raises(EventError, match=r"empty\.c3d: no gait events"):
        detect_events(trial)


def _treadmill(sign: float) -> Trial:
    """Pelvis still; heels swing along ``sign * x``: 60 % stance (slow back), 40 % swing."""
    t = np.arange(0, 500) / 100.0
    pelvis = np.tile([0.0, 0.0, 0.9], (t.size, 1))

    def heel(shift: float, y: float) -> np.ndarray:
        ph = np.mod(t - shift, 1.0)
        warped = np.where(ph < 0.6, 0.5 * ph / 0.6, 0.5 + 0.5 * (ph - 0.6) / 0.4)
        x = sign * 0.3 * np.cos(2 * np.pi * warped)
        return np.column_stack([x, np.full_like(t, y), np.full_like(t, 0.03)])

    lh, rh = heel(0.25, 0.1), heel(0.75, -0.1)
    ahead = np.array([sign * 0.2, 0.0, 0.0])
    return Trial(
        source="treadmill",
        point_rate=100.0,
        first_frame=1,
        n_frames=t.size,
        markers={
            "LHEE": lh,
            "LTOE": lh + ahead,
            "RHEE": rh,
            "RTOE": rh + ahead,
            "LASI": pelvis + np.array([0.1, 0.1, 0]),
            "RASI": pelvis + np.array([0.1, -0.1, 0]),
            "SACR": pelvis - np.array([0.1, 0, 0]),
        },
    )


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_treadmill_direction_and_events(sign: float) -> None:
    ev = kinematic_events(_treadmill(sign))
    strikes = [e.time_s for e in ev if e.side == "left" and e.kind == "foot_strike"]
    offs = [e.time_s for e in ev if e.side == "left" and e.kind == "foot_off"]
    np.testing.assert_allclose(strikes, [0.25, 1.25, 2.25, 3.25, 4.25], atol=0.01)
    # The last minimum (4.85 s) is too close to the end of the data to be confirmed.
    np.testing.assert_allclose(offs, [0.85, 1.85, 2.85, 3.85], atol=0.01)
    right = [e.time_s for e in ev if e.side == "right" and e.kind == "foot_strike"]
    np.testing.assert_allclose(right, [0.75, 1.75, 2.75, 3.75, 4.75], atol=0.01)
