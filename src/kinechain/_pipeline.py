"""The analysis pipeline: Trial (+ static) → angles → events → strides → metrics.

:func:`analyze` is pure (takes and returns values); :func:`analyze_file` is the thin edge that
reads files first. The CLI, the web app and the batch runner all call these two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import MarkerSetError
from kinechain.trial import SIDES, Event, Subject, Trial

FloatArray = NDArray[np.float64]

__all__ = ["Analysis", "analyze", "analyze_file"]

#: Variables shown as cycle curves (kinechain names without the side prefix).
CYCLE_VARIABLES = (
    "pelvic_tilt",
    "pelvic_obliquity",
    "pelvic_rotation",
    "hip_flexion",
    "hip_adduction",
    "hip_internal_rotation",
    "knee_flexion",
    "knee_adduction",
    "knee_internal_rotation",
    "ankle_dorsiflexion",
    "ankle_inversion",
    "ankle_internal_rotation",
    "foot_progression",
    "spine_flexion",
    "spine_lateral_flexion",
    "spine_rotation",
    "thorax_tilt",
)


@dataclass(frozen=True)
class Analysis:
    """Everything ``kinechain analyze`` computes for one walking trial.

    Attributes
    ----------
    source, static_source : str
        Input file names.
    model : str or None
        ``"plug_in_gait"``, ``"anatomical"``, ``"precomputed"`` (angles read from a MOT/STO
        file) or None when no kinematic model could be applied (see ``model_note``).
    time : (n,) array, s
        Frame times on the file's clock.
    angles : dict of str to (n,) arrays, degrees
    events : tuple of Event
    cycles : dict side → variable → (n_strides, 101) array, degrees
        Time-normalised strides (0–100 % of the cycle, foot strike to foot strike).
    foot_off_pct : dict side → list of float
        Foot off of each stride, % of the cycle.
    spatiotemporal, chain, scores : dict
        JSON-ready tables with units (see the README's output contract).
    norms : object
        The normative set used (``kinechain.gait.NormSet``).
    """

    source: str
    static_source: str | None
    model: str | None
    model_note: str | None
    subject: Subject
    time: FloatArray
    angles: dict[str, FloatArray]
    events: tuple[Event, ...]
    cycles: dict[str, dict[str, FloatArray]]
    foot_off_pct: dict[str, list[float]]
    spatiotemporal: dict[str, Any]
    chain: dict[str, Any]
    scores: dict[str, Any]
    norms: Any
    warnings: tuple[str, ...] = ()
    calibration: dict[str, float] = field(default_factory=dict)
    lumbar_load: dict[str, Any] | None = None

    def metrics(self) -> dict[str, Any]:
        """The content of metrics.json (JSON-ready, with units)."""
        from kinechain import __version__

        s = self.subject
        return {
            "schema": "kinechain.metrics/1",
            "kinechain_version": __version__,
            "source": self.source,
            "static": self.static_source,
            "model": self.model,
            "model_note": self.model_note,
            "subject": {
                "name": s.name,
                "mass_kg": s.mass_kg,
                "height_m": s.height_m,
                "leg_length_m": s.leg_length_m,
            },
            "norms": {"name": self.norms.name, "citation": self.norms.citation},
            "warnings": list(self.warnings),
            "events": [
                {"side": e.side, "event": e.kind, "time_s": e.time_s, "source": e.source}
                for e in self.events
            ],
            "strides": {side: len(self.foot_off_pct.get(side, [])) for side in SIDES},
            "spatiotemporal": self.spatiotemporal,
            "chain": self.chain,
            "scores": self.scores,
            "calibration": self.calibration,
            "lumbar_load": self.lumbar_load,
        }


def _load_norms(norms: Any) -> Any:
    from kinechain.gait import DEFAULT_NORMS, NormSet, load_norms

    if isinstance(norms, NormSet):
        return norms
    return load_norms(norms or DEFAULT_NORMS)


def analyze(
    trial: Trial,
    static: Trial | None = None,
    *,
    norms: str | Any | None = None,
    mapping: Any | None = None,
    flat_foot: bool = False,
    kinetics: bool = True,
) -> Analysis:
    """Analyse one walking trial; no file is read or written.

    Parameters
    ----------
    trial : Trial
        The walk (markers, or angles already computed by another tool).
    static : Trial, optional
        Static calibration trial for the kinematic model.
    norms : str or NormSet, optional
        A bundled normative set name, or a loaded NormSet; default
        :data:`kinechain.gait.DEFAULT_NORMS`.
    mapping : MarkerMapping, optional
        A marker-name mapping that forces the anatomical-landmark model.
    flat_foot : bool
        Plug-in Gait's "foot flat" static calibration option (see
        :func:`kinechain.kinematics.compute_angles`).
    kinetics : bool
        Also estimate the L5/S1 load through the gait cycle by inverse dynamics (needs the
        Plug-in Gait model, force plates and the body mass); see :mod:`kinechain.load`.

    Returns
    -------
    Analysis
        When no kinematic model fits the markers, ``model`` is None, ``model_note`` says why,
        and events and spatiotemporal parameters are still given.

    Raises
    ------
    CalibrationError
        The static trial does not match the walk.
    """
    from kinechain import gait
    from kinechain.kinematics import compute_angles

    normset = _load_norms(norms)
    warnings: list[str] = []
    model: str | None
    note: str | None = None
    calibration: dict[str, float] = {}
    kin = None
    if trial.angles_deg:
        angles = {k: np.asarray(v, dtype=np.float64) for k, v in trial.angles_deg.items()}
        model = "precomputed"
        if static is not None:
            warnings.append("the static trial is not used: the file already holds joint angles")
    else:
        try:
            kin = compute_angles(trial, static, mapping=mapping, flat_foot=flat_foot)
        except MarkerSetError as exc:
            angles, model, note = {}, None, exc.problem
        else:
            angles, model = kin.angles_deg, kin.model
            warnings.extend(kin.warnings)
            calibration = kin.calibration
    events = gait.detect_events(trial, angles=angles or None)
    if not events:
        warnings.append("no gait events found: no strides, spatiotemporal or chain measures")
    time = trial.time
    cycles = gait.cycle_curves(time, angles, events) if angles else {s: {} for s in SIDES}
    foot_off: dict[str, list[float]] = {
        s: [st.foot_off_pct for st in gait.strides(events, s)] for s in SIDES
    }
    for side in SIDES:
        if events and not foot_off[side]:
            warnings.append(f"no complete {side} stride (foot strike, foot off, foot strike)")
    spatio = gait.spatiotemporal(trial, events, normset)
    chain: dict[str, Any] = {}
    scores: dict[str, Any] = {}
    if angles:
        heel = gait.heel_heights(trial) if trial.markers else None
        chain = gait.chain_measures(time, angles, events, normset, heel_height=heel).to_dict()
        scores = gait.gait_profile_score(cycles, normset).to_dict()
    lumbar = None
    if kinetics and kin is not None and kin.model == "plug_in_gait" and trial.force_plates:
        lumbar = _gait_lumbar_load(trial, kin, events, warnings)
    return Analysis(
        source=trial.source,
        static_source=static.source if static is not None else None,
        model=model,
        model_note=note,
        subject=trial.subject,
        time=time,
        angles=angles,
        events=events,
        cycles=cycles,
        foot_off_pct=foot_off,
        spatiotemporal=spatio,
        chain=chain,
        scores=scores,
        norms=normset,
        warnings=tuple(warnings),
        calibration=calibration,
        lumbar_load=lumbar,
    )


def _gait_lumbar_load(
    trial: Trial, kin: Any, events: tuple[Event, ...], warnings: list[str]
) -> dict[str, Any] | None:
    """L5/S1 load through the walk, or None with a warning saying why not."""
    from kinechain.errors import KinechainError
    from kinechain.load import gait_lumbar_summary, lumbar_load

    if not trial.subject.mass_kg:
        warnings.append("no L5/S1 load: the file gives no body mass")
        return None
    try:
        summary: dict[str, Any] = gait_lumbar_summary(lumbar_load(trial, kin, events=events))
    except (KinechainError, ValueError) as exc:
        warnings.append(f"no L5/S1 load: {exc}")
        return None
    return summary


def analyze_file(
    path: Path | str,
    *,
    static: Path | str | None = None,
    norms: str | None = None,
    mapping: Path | str | None = None,
    flat_foot: bool = False,
) -> Analysis:
    """Read ``path`` (and ``static``, a norms CSV, a mapping JSON) and :func:`analyze` it."""
    from kinechain.io import read, read_mapping

    trial = read(path)
    static_trial = read(static) if static is not None else None
    normset = _load_norms(norms)
    marker_map = read_mapping(mapping) if mapping is not None else None
    return analyze(trial, static_trial, norms=normset, mapping=marker_map, flat_foot=flat_foot)
