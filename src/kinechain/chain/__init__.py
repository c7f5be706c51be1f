"""kinechain.chain: the kinetic chain, link by link — findings and the per-person test.

Findings come from the clinical tests (:func:`clinical_findings`) and from a gait analysis
(:func:`gait_findings`); :func:`stride_associations` tests, stride by stride, whether this
person's ankle deficit goes together with the changes above it.
"""

from kinechain.chain._clinical import clinical_findings
from kinechain.chain._gait import (
    ASSOCIATIONS,
    MIN_STRIDES_FOR_ASSOCIATION,
    PEAK_DF_RESTRICTED_DEG,
    Association,
    gait_findings,
    stride_associations,
)
from kinechain.chain._model import LINK_EVIDENCE, LINKS, Finding

__all__ = [
    "ASSOCIATIONS",
    "LINKS",
    "LINK_EVIDENCE",
    "MIN_STRIDES_FOR_ASSOCIATION",
    "PEAK_DF_RESTRICTED_DEG",
    "Association",
    "Finding",
    "clinical_findings",
    "gait_findings",
    "stride_associations",
]
