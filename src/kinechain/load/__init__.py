"""kinechain.load: joint moments and the load on the lower back (L5/S1).

* :func:`inverse_dynamics` — ankle, knee and hip moments and forces of both legs by bottom-up
  3D Newton–Euler (force plates + Plug-in-Gait segment kinematics + de Leva 1996 body-segment
  parameters), expressed as Plug-in Gait reports them;
* :func:`lumbar_load` — the net L5/S1 moment and force through a walking trial (carried up
  through the pelvis), a top-down quasi-static estimate from the trunk, and compression and
  shear from a single-equivalent-extensor model, against the NIOSH limits;
* :func:`static_lumbar_load` — the top-down (3DSSPP-style) estimate for a static posture;
* :func:`counterfactual` — the same person with a normal ankle: the share of the load the
  compensation of a dorsiflexion deficit is responsible for (a model estimate);
* :func:`standing_lumbar_summary` — the standing estimate of a patient, for the assessment;
  :func:`gait_lumbar_summary` — a :class:`LumbarLoad` and its counterfactual as one JSON-ready
  dict (for ``metrics.json``).

Pure functions over :class:`~kinechain.trial.Trial` values and kinematic results; no file I/O.
Methods, equations, conventions, assumptions, sources and the validation against Vicon's
Plug-in Gait: ``docs/load.md``.
"""

from kinechain.load._bsp import (
    DE_LEVA_1996,
    SegmentParameters,
    UpperBody,
    segment_parameters,
    upper_body,
    whole_body_mass_fraction,
)
from kinechain.load._contact import ExternalLoads, PlateContact, external_loads
from kinechain.load._counterfactual import (
    COUPLING_SCENARIOS,
    DEFAULT_LUMBAR_SHARE,
    NORM_PEAK_DORSIFLEXION_DEG,
    Counterfactual,
    CounterfactualScenario,
    counterfactual,
    gait_lumbar_summary,
    standing_lumbar_summary,
)
from kinechain.load._dynamics import (
    JointMoments,
    SegmentInertia,
    SegmentModel,
    inverse_dynamics,
)
from kinechain.load._lumbar import LumbarLoad, l5s1_position, lumbar_load
from kinechain.load._static import (
    EXTENSOR_MOMENT_ARM_M,
    NIOSH_ACTION_LIMIT_N,
    NIOSH_MAX_LIMIT_N,
    SHEAR_LIMIT_N,
    UPPER_BODY_FRACTION,
    StaticLoad,
    single_equivalent_muscle,
    static_lumbar_load,
)

__all__ = [
    "COUPLING_SCENARIOS",
    "DEFAULT_LUMBAR_SHARE",
    "DE_LEVA_1996",
    "EXTENSOR_MOMENT_ARM_M",
    "NIOSH_ACTION_LIMIT_N",
    "NIOSH_MAX_LIMIT_N",
    "NORM_PEAK_DORSIFLEXION_DEG",
    "SHEAR_LIMIT_N",
    "UPPER_BODY_FRACTION",
    "Counterfactual",
    "CounterfactualScenario",
    "ExternalLoads",
    "JointMoments",
    "LumbarLoad",
    "PlateContact",
    "SegmentInertia",
    "SegmentModel",
    "SegmentParameters",
    "StaticLoad",
    "UpperBody",
    "counterfactual",
    "external_loads",
    "gait_lumbar_summary",
    "inverse_dynamics",
    "l5s1_position",
    "lumbar_load",
    "segment_parameters",
    "single_equivalent_muscle",
    "standing_lumbar_summary",
    "static_lumbar_load",
    "upper_body",
    "whole_body_mass_fraction",
]
