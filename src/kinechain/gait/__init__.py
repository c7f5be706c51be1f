"""kinechain.gait: events, strides, spatiotemporal parameters, norms, scores, chain measures.

Pure functions over :class:`kinechain.Trial` values and arrays; the only files read are the
bundled normative sets and a normative CSV the caller names (:func:`read_norms`,
:func:`load_norms`). Methods, thresholds and citations: ``docs/gait.md``.
"""

from kinechain.gait._chain import (
    HEEL_RISE_THRESHOLD_M,
    ChainMeasures,
    Measure,
    chain_measures,
    heel_heights,
)
from kinechain.gait._cycles import Stride, cycle_curves, normalise_cycles, strides
from kinechain.gait._events import (
    FORCE_THRESHOLD_N,
    MERGE_WINDOW_S,
    angle_events,
    detect_events,
    force_plate_events,
    kinematic_events,
    merge_events,
)
from kinechain.gait._norms import (
    DEFAULT_NORMS,
    GPS_VARIABLES,
    NormSet,
    ScalarNorm,
    available_norms,
    load_norms,
    parse_norms,
    read_norms,
)
from kinechain.gait._scores import GaitScores, gait_profile_score, gait_variable_score
from kinechain.gait._spatiotemporal import PARAMETERS, spatiotemporal

__all__ = [
    "DEFAULT_NORMS",
    "FORCE_THRESHOLD_N",
    "GPS_VARIABLES",
    "HEEL_RISE_THRESHOLD_M",
    "MERGE_WINDOW_S",
    "PARAMETERS",
    "ChainMeasures",
    "GaitScores",
    "Measure",
    "NormSet",
    "ScalarNorm",
    "Stride",
    "angle_events",
    "available_norms",
    "chain_measures",
    "cycle_curves",
    "detect_events",
    "force_plate_events",
    "gait_profile_score",
    "gait_variable_score",
    "heel_heights",
    "kinematic_events",
    "load_norms",
    "merge_events",
    "normalise_cycles",
    "parse_norms",
    "read_norms",
    "spatiotemporal",
    "strides",
]
