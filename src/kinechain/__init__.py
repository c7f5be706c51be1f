"""kinechain: from a tight calf to the lower back, measured.

The public API::

    trial = kinechain.read("walk.c3d")          # any supported file → Trial
    result = kinechain.analyze(trial, static)   # pure analysis → Analysis
    kinechain.write_results(result, "out/")     # angles.csv, events.csv, metrics.json, report
"""

from kinechain._pipeline import Analysis, analyze, analyze_file
from kinechain.errors import KinechainError
from kinechain.io import read
from kinechain.io._results import write_results
from kinechain.trial import Event, ForcePlate, Subject, Trial

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Event",
    "ForcePlate",
    "KinechainError",
    "Subject",
    "Trial",
    "__version__",
    "analyze",
    "analyze_file",
    "read",
    "write_results",
]
