"""The kinechain exception tree.

Every error a user can cause derives from :class:`KinechainError`, and its message is one
line that names the file (or field) and says what is wrong and, where possible, what to do::

    KinechainError
    ├── InputError                    bad input: names ``path`` and ``field``
    │   ├── DataFormatError           unreadable, truncated or inconsistent file
    │   ├── UnitsError                lengths that cannot be in the units the file claims
    │   ├── MarkerSetError            markers missing, or a marker set no model knows
    │   └── CalibrationError          static trial unusable or from another subject
    ├── EventError                    no usable gait events / strides
    ├── NormsError                    a normative set that cannot be used
    └── MissingDependencyError        an optional extra is not installed (also ImportError)

The CLI prints ``str(error)`` and exits with a non-zero code; it never shows a traceback
for these.
"""

from __future__ import annotations

__all__ = [
    "CalibrationError",
    "DataFormatError",
    "EventError",
    "InputError",
    "KinechainError",
    "MarkerSetError",
    "MissingDependencyError",
    "NormsError",
    "UnitsError",
]


class KinechainError(Exception):
    """Root of every error kinechain raises on purpose."""


class InputError(KinechainError):
    """A problem with an input file or value.

    Parameters
    ----------
    path : str or None
        The file (or input name) the problem is in.
    problem : str
        What is wrong, in one sentence.
    field : str, optional
        The part of the file: a C3D group:parameter, a marker, a column, a header line.
    """

    def __init__(self, path: object, problem: str, *, field: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.field = field
        self.problem = " ".join(str(problem).split())
        where = self.path or "<input>"
        if field:
            where = f"{where}: {field}"
        super().__init__(f"{where}: {self.problem}")


class DataFormatError(InputError):
    """The file cannot be read: corrupt, truncated, or its header disagrees with its body."""


class UnitsError(InputError):
    """Lengths are implausible for the units the file declares (mm vs m mix-ups)."""


class MarkerSetError(InputError):
    """Markers a model needs are absent, or the marker set is one no model knows."""


class CalibrationError(InputError):
    """The static trial cannot calibrate this walk (other subject, missing markers...)."""


class EventError(KinechainError):
    """No usable gait events or complete strides."""


class NormsError(KinechainError):
    """A normative data set is malformed or lacks a variable."""


class MissingDependencyError(KinechainError, ImportError):
    """An optional dependency is not installed; the message gives the pip command."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the optional package '{package}': pip install 'kinechain[{extra}]'"
        )
