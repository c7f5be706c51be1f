"""kinechain: from a tight calf to the lower back, measured."""

from kinechain.errors import KinechainError
from kinechain.trial import Event, ForcePlate, Subject, Trial

__version__ = "0.1.0"

__all__ = ["Event", "ForcePlate", "KinechainError", "Subject", "Trial", "__version__"]
