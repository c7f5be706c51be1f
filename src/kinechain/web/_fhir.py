"""FHIR R4 export: a ``Bundle`` (type collection) of a ``Patient`` and its ``Observation``s.

Only measures with a LOINC code we have checked against a published source are exported
(:data:`LOINC`); everything else stays in the JSON and CSV exports. Units are UCUM.
No LOINC code was confirmed for the gait spatiotemporal measures (cadence, walking speed,
step length: LOINC's gait-speed terms are tied to specific timed-walk protocols), for the
clinical tests (WBLT, Thomas, …), or for the Roland-Morris, STarT Back and PSFS totals, so
they are left out here.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"


class Row(NamedTuple):
    """One measured value of the long-format export (the CSV's columns)."""

    date: str
    source: str
    measure: str
    side: str
    value: Any
    unit: str


@dataclass(frozen=True)
class Loinc:
    code: str
    display: str
    ucum: str
    category: str
    factor: float = 1.0  # our unit → the UCUM unit


# Our measure (the CSV ``measure`` column) → LOINC. Each code was confirmed in:
LOINC: dict[str, Loinc] = {
    # hl7.org/fhir/R4B/bodyheight.html: FHIR Body Height profile fixes code 8302-2, UCUM cm.
    "height_m": Loinc("8302-2", "Body height", "cm", "vital-signs", 100.0),
    # hl7.org/fhir/…/bodyweight.html and the VitalSignsBodyWeight value set: 29463-7, kg.
    "mass_kg": Loinc("29463-7", "Body weight", "kg", "vital-signs"),
    # hl7.org/fhir/…/bmi.html (FHIR BMI profile): 39156-5, valueQuantity code kg/m2.
    "bmi": Loinc("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "vital-signs"),
    # loinc.org/72514-3 via the HL7 Belgium pain-scale value set and the ANS pain profile:
    # "Pain severity - 0-10 verbal numeric rating".
    "pain_nprs": Loinc(
        "72514-3",
        "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        "{score}",
        "survey",
    ),
    # loinc.org/97909-6: "Oswestry disability index score ODI", reported as a percent.
    "odi_percent": Loinc("97909-6", "Oswestry disability index score ODI", "%", "survey"),
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _observation(row: Row, code: Loinc, subject: str) -> dict[str, Any]:
    value = _number(row.value)
    assert value is not None
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": CATEGORY_SYSTEM,
                        "code": code.category,
                        "display": "Vital Signs" if code.category == "vital-signs" else "Survey",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC_SYSTEM, "code": code.code, "display": code.display}],
            "text": code.display,
        },
        "subject": {"reference": subject},
        "effectiveDateTime": row.date,
        "valueQuantity": {
            "value": round(value * code.factor, 6),
            "unit": code.ucum,
            "system": UCUM_SYSTEM,
            "code": code.ucum,
        },
        "note": [{"text": f"kinechain: {row.source}"}],
    }


def bundle(patient: dict[str, Any], rows: Iterable[Row], timestamp: str) -> dict[str, Any]:
    """A FHIR R4 collection Bundle for ``patient`` (export dict) and the coded ``rows``."""
    patient_url = f"urn:uuid:{uuid.uuid4()}"
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:kinechain:patient", "value": str(patient["id"])}],
        "name": [{"text": patient["name"]}],
    }
    if patient.get("sex") in {"female", "male", "other"}:
        resource["gender"] = patient["sex"]
    if patient.get("date_of_birth"):
        resource["birthDate"] = patient["date_of_birth"]
    entries: list[dict[str, Any]] = [{"fullUrl": patient_url, "resource": resource}]
    for row in rows:
        code = LOINC.get(row.measure)
        if code is None or row.side or _number(row.value) is None or not row.date:
            continue
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": _observation(row, code, patient_url),
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "entry": entries,
    }
