"""Normative data sets: bundled ones and user-supplied CSV files in the same format.

File format (UTF-8 CSV)::

    # name: schwartz2008_free
    # citation: Schwartz MH, Rozumalski A, Trost JP. ... J Biomech 2008;41:1639-1650.
    # population: ...           (any "# key: value" lines are kept as metadata)
    variable,percent,mean,sd,unit
    ankle_dorsiflexion,0,-2.1,5.6,deg
    ankle_dorsiflexion,2,-3.4,4.9,deg
    ...
    ankle_dorsiflexion_peak_stance,,12.8,3.6,deg

* ``variable``: a kinechain angle name without the side prefix (``knee_flexion``) for
  curves, or a scalar name (``pelvic_tilt_mean``, ``stance``...).
* ``percent``: % of the gait cycle, 0 to 100, increasing within a variable, first 0 and last
  100; empty for a scalar norm. Curves may use any number of points (Schwartz 2008 uses 51)
  and are linearly interpolated to 101 points (0, 1, ..., 100 %) on loading.
* ``mean``, ``sd``: finite numbers, ``sd >= 0``.
* ``unit``: optional column (``deg`` when absent for curves).

:func:`read_norms` is the only function here that reads a file the user names; bundled sets
are read from the installed package with :mod:`importlib.resources`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kinechain.errors import NormsError

FloatArray = NDArray[np.float64]

__all__ = [
    "DEFAULT_NORMS",
    "GPS_VARIABLES",
    "NormSet",
    "ScalarNorm",
    "available_norms",
    "load_norms",
    "parse_norms",
    "read_norms",
]

#: The normative set used when none is named. Schwartz et al. (2008) free speed: the only
#: bundled set measured with Plug-in-Gait conventions (like kinechain's model) that holds all
#: nine Gait Profile Score variables. It is paediatric; see docs/gait.md for the adult
#: alternative (``fukuchi2018_adult``) and why it is not the default.
DEFAULT_NORMS = "schwartz2008_free"

#: The nine kinematic variables of the Gait Profile Score (Baker et al. 2009).
GPS_VARIABLES = (
    "pelvic_tilt",
    "pelvic_obliquity",
    "pelvic_rotation",
    "hip_flexion",
    "hip_adduction",
    "hip_internal_rotation",
    "knee_flexion",
    "ankle_dorsiflexion",
    "foot_progression",
)

PERCENT = np.linspace(0.0, 100.0, 101)
_PREFIX = "norms_"


@dataclass(frozen=True)
class ScalarNorm:
    """A normative value: mean and SD over subjects, with its unit."""

    mean: float
    sd: float
    unit: str


@dataclass(frozen=True)
class NormSet:
    """A normative data set.

    Attributes
    ----------
    name : str
    citation : str
    variables : dict of str to (mean (101,), sd (101,)) arrays
        Curves over 0–100 % of the gait cycle in 1 % steps, by kinechain name without side.
    scalars : dict of str to ScalarNorm
    meta : dict of str to str
        Every ``# key: value`` header line (population, model, licence, note...).
    units : dict of str to str
        Unit of each curve.
    """

    name: str
    citation: str
    variables: dict[str, tuple[FloatArray, FloatArray]]
    scalars: dict[str, ScalarNorm] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def curve(self, variable: str) -> tuple[FloatArray, FloatArray]:
        """Mean and SD curves (101 points) of a variable.

        Raises
        ------
        NormsError
            When the set has no such variable.
        """
        try:
            return self.variables[variable]
        except KeyError:
            raise NormsError(
                f"normative set '{self.name}' has no variable '{variable}' "
                f"(it has: {', '.join(sorted(self.variables))})"
            ) from None


def _fail(path: str, row: int | None, problem: str) -> NormsError:
    where = f"{path}: row {row}" if row is not None else path
    return NormsError(f"{where}: {problem}")


def _number(text: str, path: str, row: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(path, row, f"{column} '{text}' is not a number") from None
    if not math.isfinite(value):
        raise _fail(path, row, f"{column} '{text}' is not a finite number")
    return value


def parse_norms(text: str, *, source: str = "<norms>", name: str | None = None) -> NormSet:
    """Parse normative CSV text (the format of this module's docstring).

    Parameters
    ----------
    text : str
    source : str
        Name used in error messages.
    name : str, optional
        Set name when the text has no ``# name:`` line.

    Raises
    ------
    NormsError
        One line naming ``source``, the row (1-based line number) and the problem.
    """
    meta: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and key.strip():
                meta[key.strip().lower()] = value.strip()
            continue
        body.append((lineno, line))
    if not body:
        raise _fail(source, None, "no header line 'variable,percent,mean,sd' and no data")
    header_row, header_line = body[0]
    header = [h.strip().lower() for h in next(csv.reader([header_line]))]
    required = ("variable", "percent", "mean", "sd")
    missing = [c for c in required if c not in header]
    if missing:
        raise _fail(
            source,
            header_row,
            f"header lacks column(s) {', '.join(missing)} "
            "(expected variable,percent,mean,sd[,unit])",
        )
    col = {c: header.index(c) for c in header}
    curves: dict[str, list[tuple[float, float, float]]] = {}
    units: dict[str, str] = {}
    scalars: dict[str, ScalarNorm] = {}
    for lineno, line in body[1:]:
        cells = next(csv.reader([line]))
        if len(cells) < len(required):
            raise _fail(source, lineno, f"expected at least 4 columns, found {len(cells)}")
        cells = cells + [""] * (len(header) - len(cells))
        var = cells[col["variable"]].strip()
        if not var:
            raise _fail(source, lineno, "empty variable name")
        pct_text = cells[col["percent"]].strip()
        mean = _number(cells[col["mean"]].strip(), source, lineno, "mean")
        sd = _number(cells[col["sd"]].strip(), source, lineno, "sd")
        if sd < 0:
            raise _fail(source, lineno, f"sd {sd} is negative")
        unit = cells[col["unit"]].strip() if "unit" in col else ""
        if not pct_text:
            if var in scalars or var in curves:
                raise _fail(source, lineno, f"variable '{var}' given twice")
            scalars[var] = ScalarNorm(mean, sd, unit)
            continue
        if var in scalars:
            raise _fail(source, lineno, f"variable '{var}' is both a scalar and a curve")
        pct = _number(pct_text, source, lineno, "percent")
        if not 0.0 <= pct <= 100.0:
            raise _fail(source, lineno, f"percent {pct} is outside 0–100")
        rows = curves.setdefault(var, [])
        if rows and pct <= rows[-1][0]:
            raise _fail(
                source,
                lineno,
                f"percent {pct} of '{var}' does not increase (previous {rows[-1][0]})",
            )
        rows.append((pct, mean, sd))
        units.setdefault(var, unit or "deg")
    variables: dict[str, tuple[FloatArray, FloatArray]] = {}
    for var, rows in curves.items():
        arr = np.asarray(rows, dtype=np.float64)
        if arr.shape[0] < 2 or arr[0, 0] != 0.0 or arr[-1, 0] != 100.0:
            raise _fail(
                source,
                None,
                f"curve '{var}' must run from percent 0 to 100 (has {arr.shape[0]} point(s), "
                f"{arr[0, 0]:g} to {arr[-1, 0]:g})",
            )
        mean_c = np.interp(PERCENT, arr[:, 0], arr[:, 1])
        sd_c = np.interp(PERCENT, arr[:, 0], arr[:, 2])
        variables[var] = (mean_c, sd_c)
    if not variables and not scalars:
        raise _fail(source, None, "no data rows")
    set_name = meta.get("name") or name or Path(source).stem
    return NormSet(
        name=set_name,
        citation=meta.get("citation", ""),
        variables=variables,
        scalars=scalars,
        meta=meta,
        units=units,
    )


def read_norms(path: str | Path) -> NormSet:
    """Read a user-supplied normative CSV file.

    Parameters
    ----------
    path : str or Path
        A CSV in the format of this module's docstring.

    Returns
    -------
    NormSet
        Named after the ``# name:`` line, else the file's stem.

    Raises
    ------
    NormsError
        The file cannot be read or is malformed (one line naming the file, row and problem).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(p), None, f"cannot read: {exc}") from None
    return parse_norms(text, source=str(p), name=p.stem)


def _bundled() -> dict[str, resources.abc.Traversable]:
    root = resources.files("kinechain") / "data"
    out = {}
    for entry in root.iterdir():
        n = entry.name
        if n.startswith(_PREFIX) and n.endswith(".csv"):
            out[n[len(_PREFIX) : -len(".csv")]] = entry
    return out


def available_norms() -> tuple[str, ...]:
    """Names of the bundled normative sets, sorted, the default first."""
    names = sorted(_bundled())
    if DEFAULT_NORMS in names:
        names.remove(DEFAULT_NORMS)
        names.insert(0, DEFAULT_NORMS)
    return tuple(names)


_CACHE: dict[str, NormSet] = {}


def load_norms(name_or_path: str | Path | NormSet | None = None) -> NormSet:
    """A normative set: bundled by name, or read from a CSV path.

    Parameters
    ----------
    name_or_path : str, Path, NormSet or None
        A bundled name (see :func:`available_norms`), a path to a CSV in the bundled format,
        an already loaded :class:`NormSet` (returned as is), or None for
        :data:`DEFAULT_NORMS`.

    Raises
    ------
    NormsError
        Unknown name, unreadable or malformed file.
    """
    if isinstance(name_or_path, NormSet):
        return name_or_path
    key = DEFAULT_NORMS if name_or_path is None else name_or_path
    if isinstance(key, str) and key in _CACHE:
        return _CACHE[key]
    bundled = _bundled()
    if isinstance(key, str) and key in bundled:
        text = bundled[key].read_text(encoding="utf-8")
        ns = parse_norms(text, source=f"kinechain/data/{_PREFIX}{key}.csv", name=key)
        _CACHE[key] = ns
        return ns
    path = Path(key)
    if path.suffix.lower() == ".csv" or path.exists():
        return read_norms(path)
    raise NormsError(
        f"unknown normative set '{key}': use one of {', '.join(available_norms())} "
        "or the path of a CSV file"
    )
