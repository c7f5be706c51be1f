"""kinechain.load: lower-back (L5/S1) load — static top-down model and NIOSH limits.

Methods, assumptions and sources: ``docs/load.md``.
"""

from kinechain.load._static import (
    EXTENSOR_MOMENT_ARM_M,
    NIOSH_ACTION_LIMIT_N,
    NIOSH_MAX_LIMIT_N,
    SHEAR_LIMIT_N,
    UPPER_BODY_FRACTION,
    StaticLoad,
    standing_lumbar_summary,
    static_lumbar_load,
)

__all__ = [
    "EXTENSOR_MOMENT_ARM_M",
    "NIOSH_ACTION_LIMIT_N",
    "NIOSH_MAX_LIMIT_N",
    "SHEAR_LIMIT_N",
    "UPPER_BODY_FRACTION",
    "StaticLoad",
    "standing_lumbar_summary",
    "static_lumbar_load",
]
