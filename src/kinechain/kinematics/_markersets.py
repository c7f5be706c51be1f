"""Marker-set mappings: which marker in a file is which anatomical landmark.

Every kinematic model in kinechain asks for landmarks by *role* (``left_asis``,
``right_lateral_malleolus``, ``sacrum`` ...), never by a marker label. A
:class:`MarkerMapping` says which label in a file plays each role. Three marker sets are built
in and are recognised automatically by :func:`detect_markerset`:

``plug_in_gait``
    Vicon Plug-in Gait / the Conventional Gait Model (Davis et al. 1991 as implemented by
    Vicon): ``LASI``, ``RPSI`` or ``SACR``, ``LTHI``, ``LKNE``, ``LTIB``, ``LANK``, ``LHEE``,
    ``LTOE``, ``C7``, ``T10``, ``CLAV``, ``STRN``, ``LSHO`` ... and the optional medial markers
    of CGM2 (``LKNM`` medial knee, ``LMED`` medial malleolus) and of the Oxford foot model
    (``LMMA``, ``LTUB``, ``LHFB``, ``LSHN``, ``LD1M``, ``LD5M``).
``davis``
    The Davis et al. (1991) protocol as labelled by BTS (``r asis``, ``r bar 1``, ``r knee 1``,
    ``r bar 2``, ``r mall``, ``r heel``, ``r met``, ``sacrum``, ``c7``, ``r should``), plus the
    tibial-tuberosity / shank-cluster markers of the BTS sample (``RATT``, ``SCR1``, ``SCR2``;
    ``LATT``, ``SCL1``, ``SCL2``). See ``docs/markersets.md`` for how these were identified.
``ior``
    Anatomical landmark names of the CAST protocol (Cappozzo et al. 1995) and of the IOR gait
    protocol (Leardini et al. 2007), as used by Qualisys and Visual3D templates: ``L_IAS``,
    ``L_IPS``, ``L_GT``, ``L_FLE``, ``L_FME``, ``L_TT``, ``L_FH``, ``L_FAL``, ``L_TAM``,
    ``L_FCC``, ``L_FM1``, ``L_FM2``, ``L_FM5``, clusters ``L_TH1``..``L_TH4`` and
    ``L_SK1``..``L_SK4``; also ``LIAS``, ``IAS_L`` and so on.

Labels match case-insensitively, ignoring spaces, underscores, hyphens and dots, and ignoring a
``subject:`` prefix (``"HC032A:LASI"`` matches ``LASI``).

A user's own marker set is given as a dictionary (read from JSON by the I/O layer)::

    {"model": "anatomical", "markers": {"left_asis": "MyLASIS", "right_asis": "MyRASIS"}}

and turned into a mapping by :func:`mapping_from_dict`, which names the offending key in every
error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from kinechain.errors import MarkerSetError
from kinechain.trial import Trial

__all__ = [
    "CENTRAL_ROLES",
    "MARKER_SETS",
    "MODELS",
    "ROLES",
    "SIDE_ROLES",
    "MarkerMapping",
    "MarkerSet",
    "MarkerSetMatch",
    "capabilities",
    "detect_markerset",
    "mapping_from_dict",
    "match_markerset",
    "normalize_label",
]

#: Landmark roles that exist once per side; the full role name is ``left_<role>`` or
#: ``right_<role>``. Values describe the landmark.
SIDE_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "asis": "anterior superior iliac spine (ISB/CAST: IAS)",
        "psis": "posterior superior iliac spine (IPS)",
        "greater_trochanter": "most lateral point of the greater trochanter (GT)",
        "thigh": "lateral thigh technical marker or wand (Plug-in Gait THI, Davis 'bar 1')",
        "thigh_1": "thigh cluster marker 1",
        "thigh_2": "thigh cluster marker 2",
        "thigh_3": "thigh cluster marker 3",
        "thigh_4": "thigh cluster marker 4",
        "lateral_epicondyle": "lateral femoral epicondyle (FLE; Plug-in Gait KNE)",
        "medial_epicondyle": "medial femoral epicondyle (FME; CGM2 KNM)",
        "tibial_tuberosity": "tibial tuberosity (TT; Oxford foot model TUB)",
        "fibula_head": "head of the fibula (FH; Oxford foot model HFB)",
        "tibia": "lateral shank technical marker or wand (Plug-in Gait TIB, Davis 'bar 2')",
        "shank_1": "shank cluster marker 1",
        "shank_2": "shank cluster marker 2",
        "shank_3": "shank cluster marker 3",
        "shank_4": "shank cluster marker 4",
        "lateral_malleolus": "apex of the lateral malleolus (FAL; Plug-in Gait ANK)",
        "medial_malleolus": "apex of the medial malleolus (TAM; CGM2 MED, Oxford MMA)",
        "heel": "posterior surface of the calcaneus (FCC; Plug-in Gait HEE)",
        "toe": "forefoot marker between the 2nd and 3rd metatarsal heads (Plug-in Gait TOE)",
        "first_metatarsal": "head of the first metatarsal (FM1)",
        "second_metatarsal": "head of the second metatarsal (FM2)",
        "fifth_metatarsal": "head of the fifth metatarsal (FM5; Davis 'met')",
        "shoulder": "acromion (Plug-in Gait SHO)",
    }
)

#: Landmark roles on the midline.
CENTRAL_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "sacrum": "sacrum, midway between the PSIS (Plug-in Gait SACR)",
        "c7": "spinous process of the 7th cervical vertebra",
        "t10": "spinous process of the 10th thoracic vertebra",
        "clavicle": "jugular notch (incisura jugularis, IJ; Plug-in Gait CLAV)",
        "sternum": "xiphoid process (PX; Plug-in Gait STRN)",
    }
)

_SIDES = ("left", "right")

#: Every role name a mapping may use.
ROLES: tuple[str, ...] = tuple(f"{s}_{r}" for s in _SIDES for r in SIDE_ROLES) + tuple(
    CENTRAL_ROLES
)

#: Models a mapping can be meant for.
MODELS: tuple[str, ...] = ("anatomical", "plug_in_gait")

_SEP = re.compile(r"[\s_\-.]+")


def normalize_label(label: str) -> str:
    """Key used to compare marker labels.

    Drops a ``subject:`` prefix, lower-cases, and removes spaces, underscores, hyphens and
    dots: ``"HC032A:L_ASI"``, ``"lasi"`` and ``"L ASI"`` all give ``"lasi"``.

    Parameters
    ----------
    label : str
        A marker label as stored in a file or given by a user.

    Returns
    -------
    str
        The comparison key.
    """
    return _SEP.sub("", str(label).rsplit(":", 1)[-1]).lower()


# --------------------------------------------------------------------------------------------
# Built-in marker sets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerSet:
    """A named marker set: for each role, the labels it may carry in a file.

    Attributes
    ----------
    name : str
        ``"plug_in_gait"``, ``"davis"`` or ``"ior"``.
    title : str
        Human-readable name.
    reference : str
        Where the marker set is described.
    aliases : mapping of str to tuple of str
        Role -> candidate labels, already normalised (:func:`normalize_label`), in order of
        preference.
    """

    name: str
    title: str
    reference: str
    aliases: Mapping[str, tuple[str, ...]]


def _sided(
    table: Mapping[str, tuple[str, ...]], central: Mapping[str, tuple[str, ...]], *, word: bool
) -> dict[str, tuple[str, ...]]:
    """Expand ``{role: (code, ...)}`` to both sides with ``L``/``R`` prefixes (and suffixes)."""
    out: dict[str, tuple[str, ...]] = {}
    for side in _SIDES:
        s = side[0]
        for role, codes in table.items():
            keys: list[str] = []
            for code in codes:
                keys.append(normalize_label(s + code))
                if word:
                    keys.append(normalize_label(code + s))
                    keys.append(normalize_label(side + code))
            out[f"{side}_{role}"] = tuple(dict.fromkeys(keys))
    for role, names in central.items():
        out[role] = tuple(dict.fromkeys(normalize_label(n) for n in names))
    return out


_PIG = MarkerSet(
    name="plug_in_gait",
    title="Plug-in Gait / Conventional Gait Model",
    reference="Davis et al. 1991, Hum Mov Sci 10:575; Vicon Plug-in Gait reference guide; "
    "CGM2 (Leboeuf et al. 2019, Gait Posture 69:235) medial markers; Oxford foot model "
    "(Carson et al. 2001, J Biomech 34:1299) shank and forefoot markers",
    aliases=MappingProxyType(
        _sided(
            {
                "asis": ("ASI", "ASIS"),
                "psis": ("PSI", "PSIS"),
                "thigh": ("THI",),
                "lateral_epicondyle": ("KNE",),
                "medial_epicondyle": ("KNM", "MKN", "KNEM", "MFC"),
                "tibial_tuberosity": ("TUB",),
                "fibula_head": ("HFB",),
                "tibia": ("TIB",),
                "shank_1": ("SHN",),
                "lateral_malleolus": ("ANK",),
                "medial_malleolus": ("MED", "MMA", "MMAL", "ANKM"),
                "heel": ("HEE",),
                "toe": ("TOE",),
                "first_metatarsal": ("MT1", "D1M", "FMH"),
                "second_metatarsal": ("MT2", "SMH"),
                "fifth_metatarsal": ("MT5", "D5M", "VMH"),
                "shoulder": ("SHO",),
            },
            {
                "sacrum": ("SACR", "SACRUM"),
                "c7": ("C7",),
                "t10": ("T10",),
                "clavicle": ("CLAV",),
                "sternum": ("STRN",),
            },
            word=False,
        )
    ),
)

_DAVIS = MarkerSet(
    name="davis",
    title="Davis protocol (BTS labels)",
    reference="Davis et al. 1991, Hum Mov Sci 10:575; BTS GAITLAB analysis protocols",
    aliases=MappingProxyType(
        _sided(
            {
                "asis": ("asis",),
                "psis": ("psis",),
                "thigh": ("bar 1", "bar1"),
                "lateral_epicondyle": ("knee 1", "knee"),
                "tibial_tuberosity": ("ATT",),
                "tibia": ("bar 2", "bar2"),
                "lateral_malleolus": ("mall", "malleolus"),
                "heel": ("heel",),
                "fifth_metatarsal": ("met", "met 5"),
                "shoulder": ("should", "shoulder"),
            },
            {"sacrum": ("sacrum", "sacr"), "c7": ("c7",)},
            word=False,
        )
    ),
)
# BTS shank cluster: SCR1, SCR2 (right), SCL1, SCL2 (left): "SC" + side letter + number.
_DAVIS = MarkerSet(
    name=_DAVIS.name,
    title=_DAVIS.title,
    reference=_DAVIS.reference,
    aliases=MappingProxyType(
        {
            **_DAVIS.aliases,
            **{f"{side}_shank_{i}": (f"sc{side[0]}{i}",) for side in _SIDES for i in (1, 2, 3)},
        }
    ),
)

_IOR = MarkerSet(
    name="ior",
    title="CAST / IOR anatomical landmarks (Qualisys, Visual3D)",
    reference="Cappozzo et al. 1995, Clin Biomech 10:171; Leardini et al. 2007, Gait Posture "
    "25:453; Wu et al. 2002, J Biomech 35:543",
    aliases=MappingProxyType(
        _sided(
            {
                "asis": ("IAS", "ASIS"),
                "psis": ("IPS", "PSIS"),
                "greater_trochanter": ("GT", "GTR"),
                "thigh_1": ("TH1",),
                "thigh_2": ("TH2",),
                "thigh_3": ("TH3",),
                "thigh_4": ("TH4",),
                "lateral_epicondyle": ("FLE", "LE"),
                "medial_epicondyle": ("FME", "ME"),
                "tibial_tuberosity": ("TT",),
                "fibula_head": ("FH", "HF"),
                "shank_1": ("SK1", "SH1"),
                "shank_2": ("SK2", "SH2"),
                "shank_3": ("SK3", "SH3"),
                "shank_4": ("SK4", "SH4"),
                "lateral_malleolus": ("FAL", "LM"),
                "medial_malleolus": ("TAM", "MM"),
                "heel": ("FCC",),
                "first_metatarsal": ("FM1", "FMT1"),
                "second_metatarsal": ("FM2", "FMT2"),
                "fifth_metatarsal": ("FM5", "FMT5"),
                "shoulder": ("AC", "SAE"),
            },
            {
                "c7": ("CV7", "C7"),
                "t10": ("TV10", "T10"),
                "clavicle": ("IJ",),
                "sternum": ("PX",),
                "sacrum": ("SACR", "SACRUM"),
            },
            word=True,
        )
    ),
)

#: The built-in marker sets, in the order :func:`detect_markerset` prefers them on a tie.
MARKER_SETS: Mapping[str, MarkerSet] = MappingProxyType({m.name: m for m in (_PIG, _DAVIS, _IOR)})


# --------------------------------------------------------------------------------------------
# Mappings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerMapping:
    """Which marker label plays each landmark role.

    Attributes
    ----------
    name : str
        ``"plug_in_gait"``, ``"davis"``, ``"ior"`` or ``"custom"``.
    markers : mapping of str to str
        Role (see :data:`ROLES`) -> marker label. Labels compare as :func:`normalize_label`
        does, so ``"lasi"`` finds ``"HC032A:LASI"``.
    model : str
        The model the mapping is meant for (:data:`MODELS`).
    source : str or None
        Where the mapping came from (a JSON file for custom mappings).
    requested : mapping of str to str or None
        For a mapping made by :meth:`bind`: the roles and labels asked for before binding
        (so that a static trial can still find landmarks the walk lacks).
    """

    name: str
    markers: Mapping[str, str]
    model: str = "anatomical"
    source: str | None = None
    requested: Mapping[str, str] | None = None

    def label(self, role: str) -> str | None:
        """Label mapped to ``role``, or None."""
        return self.markers.get(role)

    @property
    def roles(self) -> frozenset[str]:
        """Roles this mapping provides."""
        return frozenset(self.markers)

    def bind(self, labels: Iterable[str]) -> MarkerMapping:
        """Resolve the mapping against the labels of one file.

        Parameters
        ----------
        labels : iterable of str
            Marker labels present in the file (``trial.markers`` keys).

        Returns
        -------
        MarkerMapping
            Same name, model and source; every role whose label is in ``labels`` (compared
            with :func:`normalize_label`) maps to the file's exact label; other roles are
            dropped.
        """
        index = _label_index(labels)
        found = {
            role: index[normalize_label(lab)]
            for role, lab in self.markers.items()
            if normalize_label(lab) in index
        }
        requested = self.requested if self.requested is not None else self.markers
        return MarkerMapping(self.name, MappingProxyType(found), self.model, self.source, requested)


def _label_index(labels: Iterable[str]) -> dict[str, str]:
    """Normalised key -> first label with that key."""
    index: dict[str, str] = {}
    for lab in labels:
        index.setdefault(normalize_label(lab), lab)
    return index


def match_markerset(markerset: MarkerSet | str, labels: Iterable[str]) -> MarkerMapping:
    """Map the roles of a built-in marker set onto the labels of one file.

    Parameters
    ----------
    markerset : MarkerSet or str
        A marker set or its name in :data:`MARKER_SETS`.
    labels : iterable of str
        Marker labels present in the file.

    Returns
    -------
    MarkerMapping
        Role -> the file's exact label, for each role found (first matching alias wins).
    """
    ms = MARKER_SETS[markerset] if isinstance(markerset, str) else markerset
    index = _label_index(labels)
    found: dict[str, str] = {}
    used: set[str] = set()
    for role, keys in ms.aliases.items():
        for key in keys:
            lab = index.get(key)
            if lab is not None and lab not in used:
                found[role] = lab
                used.add(lab)
                break
    model = "plug_in_gait" if ms.name == "plug_in_gait" else "anatomical"
    return MarkerMapping(ms.name, MappingProxyType(found), model, None)


def mapping_from_dict(data: object, *, source: str | None = None) -> MarkerMapping:
    """Validate a user's marker-set description and build a mapping from it.

    Parameters
    ----------
    data : object
        Parsed JSON: ``{"model": "anatomical", "markers": {"left_asis": "MyLASIS", ...}}``.
        ``model`` is optional (default ``"anatomical"``); ``description`` may hold free text.
    source : str, optional
        File the dictionary was read from; every error names it.

    Returns
    -------
    MarkerMapping
        With ``name="custom"``.

    Raises
    ------
    MarkerSetError
        With ``field`` set to the JSON key at fault (``"markers.left_asis"``, ``"model"``...):
        not an object, an unknown key or role, a label that is not a non-empty string, or one
        label given for two roles.
    """
    where = source or "<marker mapping>"
    if not isinstance(data, Mapping):
        raise MarkerSetError(
            where, f"a marker mapping must be a JSON object, not {type(data).__name__}"
        )
    allowed = ("model", "markers", "description")
    for key in data:
        if key not in allowed:
            raise MarkerSetError(
                where,
                f"unknown key '{key}'; a marker mapping has only {', '.join(allowed)}",
                field=str(key),
            )
    model = data.get("model", "anatomical")
    if not isinstance(model, str) or model not in MODELS:
        raise MarkerSetError(
            where, f"model must be one of {', '.join(MODELS)}, not {model!r}", field="model"
        )
    if "description" in data and not isinstance(data["description"], str):
        raise MarkerSetError(where, "description must be a string", field="description")
    if "markers" not in data:
        raise MarkerSetError(
            where,
            'no "markers" object: give {"markers": {"left_asis": "LASI", ...}}',
            field="markers",
        )
    markers = data["markers"]
    if not isinstance(markers, Mapping) or not markers:
        raise MarkerSetError(
            where, "markers must be a non-empty object of role -> marker label", field="markers"
        )
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for role, label in markers.items():
        key = f"markers.{role}"
        if role not in ROLES:
            close = difflib.get_close_matches(str(role), ROLES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; see docs/markersets.md"
            raise MarkerSetError(where, f"unknown landmark role '{role}'{hint}", field=key)
        if not isinstance(label, str) or not label.strip():
            raise MarkerSetError(
                where, f"the marker label must be a non-empty string, not {label!r}", field=key
            )
        norm = normalize_label(label)
        if norm in seen:
            raise MarkerSetError(
                where,
                f"marker '{label}' is already given for '{seen[norm]}'; one marker cannot "
                "be two landmarks",
                field=key,
            )
        seen[norm] = str(role)
        out[str(role)] = label.strip()
    return MarkerMapping("custom", MappingProxyType(out), model, source)


# --------------------------------------------------------------------------------------------
# What can be computed
# --------------------------------------------------------------------------------------------

_SHANK_TECHNICAL = (
    "tibial_tuberosity",
    "fibula_head",
    "tibia",
    "shank_1",
    "shank_2",
    "shank_3",
    "shank_4",
    "lateral_malleolus",
    "medial_malleolus",
)
_FOREFOOT = ("toe", "second_metatarsal", "first_metatarsal", "fifth_metatarsal")

#: Roles compute_pig needs (per side, plus pelvis).
_PIG_SIDE = ("asis", "thigh", "lateral_epicondyle", "tibia", "lateral_malleolus", "heel", "toe")
#: Roles the anatomical model needs for a complete lower body without fallbacks.
_ANAT_SIDE = ("asis", "lateral_epicondyle", "lateral_malleolus", "heel")


def _pelvis_missing(present: frozenset[str]) -> list[str]:
    miss = [r for r in ("left_asis", "right_asis") if r not in present]
    if "sacrum" not in present and not {"left_psis", "right_psis"} <= present:
        miss.append("left_psis+right_psis or sacrum")
    return miss


def capabilities(present: Iterable[str]) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """What the models can compute from a set of landmark roles.

    Parameters
    ----------
    present : iterable of str
        Roles whose markers exist (with data) in a trial.

    Returns
    -------
    computable : tuple of str
        Among ``pelvis``, ``{side}_hip``, ``{side}_knee``, ``{side}_ankle``,
        ``{side}_foot_progression``: what the anatomical model can give.
    missing : dict of str to tuple of str
        For ``"plug_in_gait"`` and ``"anatomical"``: roles the model lacks for a complete lower
        body (the anatomical model may still compute a joint through a documented fallback).
    """
    have = frozenset(present)
    computable: list[str] = []
    pelvis_ok = not _pelvis_missing(have)
    if pelvis_ok:
        computable.append("pelvis")
    for side in _SIDES:

        def has(role: str, side: str = side) -> bool:
            return f"{side}_{role}" in have

        n_shank = sum(has(r) for r in _SHANK_TECHNICAL)
        forefoot = any(has(r) for r in _FOREFOOT)
        femur = (
            pelvis_ok
            and has("lateral_epicondyle")
            and (has("medial_epicondyle") or has("thigh") or n_shank >= 3)
        )
        tibia = femur and (has("lateral_malleolus") or (n_shank >= 3 and has("heel") and forefoot))
        foot = tibia and has("heel") and forefoot
        if femur:
            computable.append(f"{side}_hip")
        if tibia:
            computable.append(f"{side}_knee")
        if foot:
            computable.append(f"{side}_ankle")
        if has("heel") and forefoot:
            computable.append(f"{side}_foot_progression")
    missing: dict[str, tuple[str, ...]] = {}
    for model, side_roles in (("plug_in_gait", _PIG_SIDE), ("anatomical", _ANAT_SIDE)):
        miss = _pelvis_missing(have)
        for side in _SIDES:
            for r in side_roles:
                if r == "asis":
                    continue
                if f"{side}_{r}" not in have:
                    miss.append(f"{side}_{r}")
            if model == "anatomical" and not any(f"{side}_{r}" in have for r in _FOREFOOT):
                miss.append(f"{side}_toe or a metatarsal head")
        missing[model] = tuple(miss)
    return tuple(computable), missing


@dataclass(frozen=True)
class MarkerSetMatch:
    """What :func:`detect_markerset` found in a trial.

    Attributes
    ----------
    name : str or None
        ``"plug_in_gait"``, ``"davis"``, ``"ior"``, ``"custom"``; None when no model can use
        the markers.
    mapping : MarkerMapping or None
        Bound to the trial's exact labels.
    computable : tuple of str
        See :func:`capabilities`.
    missing : dict of str to tuple of str
        Roles each model (``"plug_in_gait"``, ``"anatomical"``) lacks for a full lower body.
    reason : str or None
        One line: why nothing can be computed (``name is None``), else None.
    """

    name: str | None
    mapping: MarkerMapping | None
    computable: tuple[str, ...] = ()
    missing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str | None = None

    @property
    def usable(self) -> bool:
        """True when at least one joint angle can be computed."""
        return self.name is not None and bool(self.computable)

    @property
    def model(self) -> str | None:
        """The model to run: ``"plug_in_gait"`` when its markers are all there (and the
        mapping is a Plug-in Gait one), else ``"anatomical"``; None when unusable."""
        if not self.usable or self.mapping is None:
            return None
        if self.mapping.model == "plug_in_gait" and not self.missing.get("plug_in_gait"):
            return "plug_in_gait"
        return "anatomical"


def _fill_in(primary: MarkerMapping, others: Iterable[MarkerMapping]) -> MarkerMapping:
    """Add roles ``primary`` lacks from the other sets' matches (labels not already used).

    Labs mix names: a Qualisys file with IOR landmarks may keep a Plug-in Gait thigh wand.
    """
    found = dict(primary.markers)
    used = set(found.values())
    for other in others:
        for role, lab in other.markers.items():
            if role not in found and lab not in used:
                found[role] = lab
                used.add(lab)
    return MarkerMapping(primary.name, MappingProxyType(found), primary.model, primary.source)


def _present_labels(trial: Trial) -> list[str]:
    """Labels with at least one finite sample."""
    return [k for k, v in trial.markers.items() if np.isfinite(np.asarray(v)).all(axis=-1).any()]


def _short_list(items: Iterable[str], n: int = 8) -> str:
    items = list(items)
    head = ", ".join(items[:n])
    return head + (f" ... ({len(items)} in all)" if len(items) > n else "")


def detect_markerset(trial: Trial, mapping: MarkerMapping | None = None) -> MarkerSetMatch:
    """Recognise the marker set of a trial and say what can be computed from it.

    Parameters
    ----------
    trial : Trial
        Any trial with markers.
    mapping : MarkerMapping, optional
        A user's mapping (:func:`mapping_from_dict`); when given, only it is tried.

    Returns
    -------
    MarkerSetMatch
        The best built-in set (most computable joints, then most landmarks; Plug-in Gait, then
        Davis, then IOR on a tie). When no model can use the markers, ``name`` is None and
        ``reason`` is one line naming the file, the markers found and the landmarks missing;
        events and spatiotemporal parameters can still come from force plates.
    """
    labels = _present_labels(trial)
    if mapping is not None:
        candidates = [(mapping.bind(labels), len(mapping.markers))]
    else:
        own = [match_markerset(ms, labels) for ms in MARKER_SETS.values()]
        candidates = [(_fill_in(m, own), len(m.markers)) for m in own]
    best: tuple[tuple[int, int], MarkerMapping, tuple[str, ...], dict[str, tuple[str, ...]]]
    best = ((-1, -1), candidates[0][0], (), {})
    for cand, n_own in candidates:
        comp, miss = capabilities(cand.roles)
        score = (len(comp), n_own)
        if score > best[0]:
            best = (score, cand, comp, miss)
    _, found, comp, miss = best
    if comp:
        return MarkerSetMatch(found.name, found, comp, miss)
    if mapping is not None:
        absent = [f"{r} ('{lab}')" for r, lab in mapping.markers.items() if r not in found.roles]
        why = (
            f"{trial.source}: the custom marker mapping gives no computable joint; "
            f"labels not found in the file: {_short_list(absent) or 'none'}; "
            f"missing landmarks: {_short_list(miss['anatomical'])}"
        )
        return MarkerSetMatch(None, found, (), miss, why)
    named = list(found.markers.values())
    why = (
        f"{trial.source}: no model can use these markers ({_short_list(labels) or 'none'}); "
        + (f"recognised only technical markers {_short_list(named, 4)}; " if named else "")
        + "missing anatomical landmarks: "
        + _short_list(miss["anatomical"], 12)
        + "; joint angles need a static calibration or a custom marker mapping"
    )
    return MarkerSetMatch(None, None, (), miss, why)
