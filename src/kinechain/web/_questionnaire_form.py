"""The questionnaires block of an intake (ODI, NPRS, STarT Back, RMDQ, PSFS) as form fields.

Shared by the clinician's intake form and the patient's own questionnaire page. Field names:
``q.odi.1``..``q.odi.10`` (0–5), ``q.nprs`` (0–10), ``q.startback.1``..``q.startback.9``
(items 1–8: 0/1, item 9: 0–4), ``q.rmdq.1``..``q.rmdq.24`` (checkbox, value ``1``) with
``q.rmdq.none`` (ticked: none of the statements applies, stored as ``[]``), and
``q.psfs.1.activity`` / ``q.psfs.1.score`` .. 5. Only what was answered goes into the block;
the block is then checked by the library's own intake validation
(:class:`kinechain.clinic.Questionnaires`), whose messages are mapped back to the fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from kinechain.clinic import IntakeError, parse_intake

__all__ = [
    "ODI_SECTIONS",
    "PSFS_ROWS",
    "RMDQ_ITEMS",
    "STARTBACK_ITEMS",
    "questionnaire_values",
    "questionnaires_from_form",
    "validate_questionnaires",
]

ODI_SECTIONS: Final = 10
STARTBACK_ITEMS: Final = 9
RMDQ_ITEMS: Final = 24
PSFS_ROWS: Final = 5
_TICKED: Final = frozenset({"1", "on", "true", "yes"})
_PSFS_MAX_CHARS: Final = 200


def _whole(text: str, lo: int, hi: int) -> int | None:
    """``text`` as a whole number in ``[lo, hi]``, else None."""
    t = text.strip()
    if not re.fullmatch(r"[+-]?\d+", t):
        return None
    n = int(t)
    return n if lo <= n <= hi else None


def _get(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _field_for(path: str, psfs_rows: list[int]) -> str:
    """Form field name for a library error path such as ``questionnaires.odi[3]``."""
    p = path.removeprefix("questionnaires").lstrip(".")
    m = re.fullmatch(r"(odi|startback)\[(\d+)\]", p)
    if m:
        return f"q.{m.group(1)}.{int(m.group(2)) + 1}"
    m = re.fullmatch(r"psfs\[(\d+)\]\.(activity|score)", p)
    if m and int(m.group(1)) < len(psfs_rows):
        return f"q.psfs.{psfs_rows[int(m.group(1))]}.{m.group(2)}"
    for name in ("odi", "nprs", "startback", "rmdq", "psfs"):
        if p == name or p.startswith((name + "[", name + ".")):
            return f"q.{name}"
    return "q"


def validate_questionnaires(block: object) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Check a questionnaires block with the library's intake validation.

    Returns ``(clean block, [])`` — JSON-ready, unanswered questionnaires left out — or
    ``(None, [(path, message), ...])`` with paths such as ``odi[3]`` or ``psfs[0].score``.
    """
    try:
        intake = parse_intake({"schema": "kinechain.intake/1", "questionnaires": block})
    except IntakeError as exc:
        return None, [
            (f.removeprefix("questionnaires").lstrip(".") or "questionnaires", m)
            for f, m in exc.errors
        ]
    q = intake.questionnaires
    clean = {} if q is None else q.model_dump(mode="json", exclude_none=True)
    return clean, []


def questionnaires_from_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the questionnaire fields of a submitted form.

    Returns ``(block, errors)``: the intake's ``questionnaires`` block with only what was
    answered, and ``{form field name: message}`` for every problem (empty when valid).
    """
    block: dict[str, Any] = {}
    errors: dict[str, str] = {}

    odi: list[int | None] = []
    for i in range(1, ODI_SECTIONS + 1):
        name = f"q.odi.{i}"
        text = _get(form, name)
        if not text:
            odi.append(None)
            continue
        n = _whole(text, 0, 5)
        if n is None:
            errors[name] = f"choose 0 to 5 for section {i} (or leave it blank)"
        odi.append(n)
    if any(v is not None for v in odi):
        block["odi"] = odi

    text = _get(form, "q.nprs")
    if text:
        n = _whole(text, 0, 10)
        if n is None:
            errors["q.nprs"] = "enter a whole number from 0 to 10"
        else:
            block["nprs"] = n

    sb: list[int | None] = []
    for i in range(1, STARTBACK_ITEMS + 1):
        name = f"q.startback.{i}"
        text = _get(form, name)
        if not text:
            sb.append(None)
            continue
        hi = 4 if i == STARTBACK_ITEMS else 1
        n = _whole(text, 0, hi)
        if n is None:
            errors[name] = (
                "choose from not at all (0) to extremely (4)"
                if i == STARTBACK_ITEMS
                else "choose agree (1) or disagree (0)"
            )
        sb.append(n)
    if any(v is not None for v in sb):
        block["startback"] = sb

    ticked = [i for i in range(1, RMDQ_ITEMS + 1) if _get(form, f"q.rmdq.{i}").lower() in _TICKED]
    none_ticked = _get(form, "q.rmdq.none").lower() in _TICKED
    if ticked and none_ticked:
        errors["q.rmdq.none"] = "you ticked statements and also 'none of these': untick one"
    elif ticked:
        block["rmdq"] = ticked
    elif none_ticked:
        block["rmdq"] = []

    psfs: list[dict[str, Any]] = []
    rows: list[int] = []
    for k in range(1, PSFS_ROWS + 1):
        a_name, s_name = f"q.psfs.{k}.activity", f"q.psfs.{k}.score"
        activity, score_text = _get(form, a_name), _get(form, s_name)
        if not activity and not score_text:
            continue
        ok = True
        if not activity:
            errors[a_name] = "name the activity this score is for"
            ok = False
        elif len(activity) > _PSFS_MAX_CHARS:
            errors[a_name] = f"keep the activity under {_PSFS_MAX_CHARS} characters"
            ok = False
        score = _whole(score_text, 0, 10) if score_text else None
        if not score_text:
            errors[s_name] = "give this activity a score from 0 to 10"
            ok = False
        elif score is None:
            errors[s_name] = "enter a whole number from 0 (unable) to 10 (as before)"
            ok = False
        if ok:
            psfs.append({"activity": activity, "score": score})
            rows.append(k)
    if psfs:
        block["psfs"] = psfs

    if errors:
        return block, errors
    clean, problems = validate_questionnaires(block)
    if clean is None:
        for path, message in problems:
            errors.setdefault(_field_for(path, rows), message)
        return block, errors
    return clean, {}


def questionnaire_values(block: Mapping[str, Any] | None) -> dict[str, str]:
    """Form field values for a questionnaires block (the reverse, to prefill a form)."""
    out: dict[str, str] = {}
    if not block:
        return out
    for i, v in enumerate(block.get("odi") or [], start=1):
        if v is not None:
            out[f"q.odi.{i}"] = str(v)
    if block.get("nprs") is not None:
        out["q.nprs"] = str(block["nprs"])
    for i, v in enumerate(block.get("startback") or [], start=1):
        if v is not None:
            out[f"q.startback.{i}"] = str(v)
    rmdq = block.get("rmdq")
    if rmdq is not None:
        if not rmdq:
            out["q.rmdq.none"] = "1"
        for n in rmdq:
            out[f"q.rmdq.{n}"] = "1"
    for k, row in enumerate(block.get("psfs") or [], start=1):
        out[f"q.psfs.{k}.activity"] = str(row.get("activity", ""))
        if row.get("score") is not None:
            out[f"q.psfs.{k}.score"] = str(row["score"])
    return out
