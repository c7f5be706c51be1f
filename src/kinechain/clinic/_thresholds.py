"""Every clinical threshold kinechain uses, with its source, in one place.

Conventions
-----------
* A source marked **†** is a standard value that the project's reference sheet
  (``reference/clinical.md``) lists as *not re-checked*; confirm it before relying on it.
* **Derived** means kinechain's own arithmetic from cited inputs.
* **Convention** means no published source was found; the number is kinechain's choice and
  is documented as such in ``docs/clinic.md``.
* Comparisons are spelled out next to each constant (``<`` or ``<=``); the classification
  functions use exactly those.

Angles are in degrees, distances in cm, times in hours, strength in N/kg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "AKE_TIGHT_FEMALE_DEG",
    "AKE_TIGHT_MALE_DEG",
    "CITATIONS",
    "DF_CONTRADICTION_TOLERANCE_DEG",
    "DF_EQUINUS_MAX_DEG",
    "DF_LARGE_GAIN_DEG",
    "DF_RESTRICTED_BELOW_DEG",
    "DF_SIDE_DIFFERENCE_DEG",
    "FPI6_BANDS",
    "FPI6_HEALTHY_MEAN",
    "FPI6_RESEARCH_PRONATOR_MIN",
    "FPI6_RESEARCH_SUPINATOR_MAX",
    "HHD_SYMMETRY_MIN",
    "KNEE_BEIGHTON_ABOVE_DEG",
    "KNEE_HYPEREXTENSION_ABOVE_DEG",
    "LIFESTYLE_ACTIVITY_MIN_PER_WEEK",
    "LIFESTYLE_SHOE_KM",
    "LIFESTYLE_SHOE_MONTHS",
    "LIFESTYLE_SITTING_HOURS",
    "MMT_NORMAL",
    "NPRS_MCID_BY_BASELINE",
    "ODI_BANDS",
    "ODI_MAX_MISSING_SECTIONS",
    "OUTCOME_CHANGE",
    "PELVIC_TILT_BONE_MEAN_DEG",
    "PELVIC_TILT_BONE_SD_DEG",
    "PELVIC_TILT_MARKED_ANTERIOR_ABOVE_DEG",
    "PELVIC_TILT_POSTERIOR_BELOW_DEG",
    "PELVIC_TILT_SIDE_DIFFERENCE_DEG",
    "PSFS_MAX_ACTIVITIES",
    "PSFS_RECOMMENDED_MIN_ACTIVITIES",
    "RMDQ_RECOVERED_MAX",
    "STARTBACK_HIGH_SUBSCALE_MIN",
    "STARTBACK_ITEM9_POSITIVE_MIN",
    "STARTBACK_LOW_TOTAL_MAX",
    "THOMAS_HIP_SHORT_ABOVE_DEG",
    "THOMAS_KNEE_SHORT_BELOW_DEG",
    "WBLT_CM_TO_DEG",
    "WBLT_HEALTHY_MEAN_CM",
    "WBLT_HEALTHY_SD_CM",
    "WBLT_MDC_INTER_CM",
    "WBLT_MDC_INTER_DEG",
    "WBLT_MDC_INTRA_CM",
    "WBLT_MDC_INTRA_DEG",
    "WBLT_MDC_PATIENT_CM",
    "WBLT_MDC_SIDE_DIFFERENCE_CM",
    "WBLT_RESTRICTED_BELOW_CM",
    "WBLT_RISK_BELOW_DEG",
    "WBLT_SIDE_DIFFERENCE_CM",
    "ChangeThreshold",
]

#: Short citations used in outputs and docs, keyed by a stable id.
CITATIONS: Final[dict[str, str]] = {
    "hoch2011": "Hoch & McKeon 2011, Man Ther (WBLT in healthy adults)",
    "bennell1998": "Bennell et al. 1998, Aust J Physiother (WBLT cm-to-degree; via Physiopedia) †",
    "powden2015": "Powden, Hoch & Hoch 2015, Man Ther (WBLT systematic review)",
    "chisholm2012": "Chisholm et al. 2012, Physiother Can (WBLT in ankle patients)",
    "backman2011": "Backman & Danielson 2011, Am J Sports Med (WBLT angle and tendinopathy)",
    "baumbach2014": "Baumbach et al. 2014, BMC Musculoskelet Disord (knee position and DF)",
    "baumbach2016": "Baumbach et al. 2016, Arch Orthop Trauma Surg (DF norms, side difference)",
    "digiovanni2002": "DiGiovanni et al. 2002, J Bone Joint Surg Am 84:962 (isolated gastrocnemius "
    "tightness)",
    "equinus_convention": "Podiatric equinus convention: < 10° DF with the knee extended "
    "(low-authority teaching source)",
    "aaos_goniometry": "AAOS goniometric norm 13 ± 4.4° (Kosmahl, Univ. Scranton notes)",
    "barouk2014": "Barouk & Barouk 2014, Foot Ankle Clin (gastrocnemius tightness)",
    "bjj2018": "Bone Joint J 2018;100-B:945 (extended-to-flexed lunge gap)",
    "redmond2005": "Redmond 2005, FPI-6 user guide (categories) †",
    "redmond2008": "Redmond et al. 2008, J Foot Ankle Res (FPI-6 normative values)",
    "jfar2014": "J Foot Ankle Res 2014;7(Suppl 1):A55 (FPI-6 research cut-offs)",
    "loudon1998": "Loudon et al. 1998, JOSPT (genu recurvatum > 5°) †",
    "beighton": "Beighton hypermobility score, knee item > 10° †",
    "preece2008": "Preece et al. 2008, J Man Manip Ther (ASIS–PSIS angle from bone shape)",
    "herrington2011": "Herrington 2011, Man Ther (standing pelvic tilt, n = 120)",
    "thomas_bmc2021": "BMC Sports Sci Med Rehabil 2021, doi:10.1186/s13102-021-00242-y, Table 4 "
    "(modified Thomas test criteria)",
    "peeler2008": "Peeler & Anderson 2008, J Athl Train (modified Thomas test reliability)",
    "vigotsky2016": "Vigotsky et al. 2016, PeerJ (modified Thomas test validity)",
    "yildirim2018": "Yıldırım et al. 2018, Balkan Med J 35:388 (hamstring AKE cut-offs)",
    "gajdosik1993": "Gajdosik et al. 1993, JOSPT 18:614 (SLR 61 ± 7° in healthy men)",
    "mrc_scale": "Medical Research Council muscle scale (grade 5 = normal power) †",
    "fairbank2000": "Fairbank & Pynsent 2000, Spine (ODI scoring and bands) †",
    "odi_guide": "ODI scoring guide (sum ÷ (5 × sections answered) × 100; bands)",
    "fritz2001": "Fritz & Irrgang 2001, Phys Ther (modified ODI MDC) †",
    "ostelo2008": "Ostelo et al. 2008, Spine (MCID for LBP outcome measures)",
    "kamper2010": "Kamper et al. 2010, Eur Spine J ('recovered' cut-offs)",
    "childs2005": "Childs et al. 2005, Spine (NPRS MDC and MCID)",
    "thieme2021": "NPRS MCID by baseline, n = 1,232 (2021)",
    "roland1983": "Roland & Morris 1983, Spine (RMDQ: 24 statements, score = number ticked) †",
    "stratford1995": "Stratford et al. 1995, Physiother Can (PSFS) †",
    "hall2011": "Hall et al. 2011, Eur Spine J (PSFS responsiveness)",
    "hill2008": "Hill et al. 2008, Arthritis Rheum (STarT Back Tool; Keele scoring via "
    "Physiopedia)",
    "nice_cks": "NICE CKS low back pain red flags (via NHS pathway text)",
    "finucane2020": "Finucane et al. 2020, JOSPT (IFOMPT framework for red flags)",
    "henschke2013": "Henschke et al. 2013, Cochrane (red flags: poor diagnostic accuracy)",
    "wilke1999": "Wilke et al. 1999, Spine (intradiscal pressure by posture)",
    "nachemson": "Nachemson (classic review of disc pressure by posture)",
    "who2020": "WHO 2020 guidelines on physical activity (150–300 min/week moderate) †",
    "convention": "kinechain convention (no published source found)",
}

# ---------------------------------------------------------------------------------------
# 1. Weight-bearing lunge test (WBLT, knee-to-wall)
# ---------------------------------------------------------------------------------------

#: 1 cm of toe-to-wall distance ≈ 3.6° of tibial inclination (Bennell et al. 1998 †, quoted
#: by Physiopedia). Used only to convert when one unit is missing.
WBLT_CM_TO_DEG: Final = 3.6
#: Healthy adults: 12.0 ± 2.8 cm (Hoch & McKeon 2011).
WBLT_HEALTHY_MEAN_CM: Final = 12.0
WBLT_HEALTHY_SD_CM: Final = 2.8
#: Restricted when the distance is **< 9.2 cm** = healthy mean − 1 SD (derived from
#: Hoch & McKeon 2011; the reference sheet rounds it to "~9 cm"). There is no consensus
#: cut-off; this flags roughly the lowest 16 % of healthy people.
WBLT_RESTRICTED_BELOW_CM: Final = 9.2
#: Asymmetric when |left − right| **> 2.0 cm**. Hoch & McKeon 2011: ≤ 1.5 cm in only 68 % of
#: healthy people (so 1.5 cm would flag a third of them); 2.0 cm also exceeds the
#: single-measurement MDC of 1.6–1.9 cm (Powden 2015), so a flagged difference is larger than
#: measurement error. The choice of 2.0 within the sheet's "1.5–2 cm" is kinechain's.
WBLT_SIDE_DIFFERENCE_CM: Final = 2.0
#: Tibial inclination **< 36.5°** carried an 18.5–29.4 % one-year risk of patellar
#: tendinopathy against 1.8–2.1 % above it (Backman & Danielson 2011). Reported, not used
#: to classify the calf.
WBLT_RISK_BELOW_DEG: Final = 36.5
#: Minimal detectable change (Powden 2015): inter-rater 1.6 cm / 4.6°, intra-rater 1.9 cm /
#: 4.7°.
WBLT_MDC_INTER_CM: Final = 1.6
WBLT_MDC_INTER_DEG: Final = 4.6
WBLT_MDC_INTRA_CM: Final = 1.9
WBLT_MDC_INTRA_DEG: Final = 4.7
#: MDC in ankle patients (Chisholm et al. 2012): 1.0 cm on the affected side, 1.5 cm for the
#: side difference.
WBLT_MDC_PATIENT_CM: Final = 1.0
WBLT_MDC_SIDE_DIFFERENCE_CM: Final = 1.5

# ---------------------------------------------------------------------------------------
# 2. Non-weight-bearing dorsiflexion (goniometer) and the Silfverskiöld test
# ---------------------------------------------------------------------------------------

#: DF is "restricted" when **< 10°** (knee extended, and the same cut-off with the knee
#: flexed): the podiatric equinus convention (low authority), about the lower edge of the
#: goniometric norm 13 ± 4.4° (AAOS; 13 − 4.4 = 8.6°). DiGiovanni 2002's controls averaged
#: 13.1° with the knee extended.
DF_RESTRICTED_BELOW_DEG: Final = 10.0
#: Knee-extended DF **≤ 5°** is "equinus" (gastrocnemius contracture as defined by DiGiovanni
#: et al. 2002, whose abstract states "≤ 5 degrees"; the reference sheet writes "< 5°").
DF_EQUINUS_MAX_DEG: Final = 5.0
#: A knee-flexion gain (flexed − extended) **> 13°** is larger than usual: beyond 2 SD of
#: 6.0 ± 3.5° in controls measured by lunge (Bone Joint J 2018); Barouk & Barouk 2014 use a
#: gain ≥ 13° in their surgical definition. Non-weight-bearing gaps are larger in healthy
#: people (15°, Baumbach 2014), so this flag is indicative only.
DF_LARGE_GAIN_DEG: Final = 13.0
#: Side-to-side DF difference with the knee extended **≥ 6°** is beyond the physiological
#: range (< 6°, 95 % CI; Baumbach et al. 2016).
DF_SIDE_DIFFERENCE_DEG: Final = 6.0
#: Knee-flexed DF may not be lower than knee-extended DF by **more than 5°** (the gastrocnemius
#: is slack with the knee bent, so DF can only rise). 5° is the measurement error borrowed from
#: the inclinometer MDC of 4.6–4.7° (Powden 2015), rounded up: a convention for goniometry.
DF_CONTRADICTION_TOLERANCE_DEG: Final = 5.0

# ---------------------------------------------------------------------------------------
# 3. Foot Posture Index (FPI-6)
# ---------------------------------------------------------------------------------------

#: FPI-6 categories by total, inclusive bounds (Redmond 2005 user guide †):
#: highly supinated −12..−5, supinated −4..−1, normal 0..+5, pronated +6..+9,
#: highly pronated +10..+12.
FPI6_BANDS: Final[tuple[tuple[int, int, str], ...]] = (
    (-12, -5, "highly_supinated"),
    (-4, -1, "supinated"),
    (0, 5, "normal"),
    (6, 9, "pronated"),
    (10, 12, "highly_pronated"),
)
#: Healthy adult mean +4 (Redmond et al. 2008).
FPI6_HEALTHY_MEAN: Final = 4
#: Research cut-offs: pronator ≥ +7, supinator ≤ −1 (J Foot Ankle Res 2014;7(Suppl 1):A55).
FPI6_RESEARCH_PRONATOR_MIN: Final = 7
FPI6_RESEARCH_SUPINATOR_MAX: Final = -1

# ---------------------------------------------------------------------------------------
# 4. Standing knee hyperextension (genu recurvatum)
# ---------------------------------------------------------------------------------------

#: Genu recurvatum when standing hyperextension **> 5°** (Loudon et al. 1998 †).
KNEE_HYPEREXTENSION_ABOVE_DEG: Final = 5.0
#: Beighton hypermobility knee item positive when **> 10°** †.
KNEE_BEIGHTON_ABOVE_DEG: Final = 10.0

# ---------------------------------------------------------------------------------------
# 5. Standing pelvic tilt (ASIS–PSIS angle, inclinometer or palpation meter)
# ---------------------------------------------------------------------------------------

#: Bone shape alone gives an ASIS–PSIS angle of 13 ± 5° (range 0–23°) in cadaver pelves
#: held in a fixed position, with up to 11° left–right difference (Preece et al. 2008).
PELVIC_TILT_BONE_MEAN_DEG: Final = 13.0
PELVIC_TILT_BONE_SD_DEG: Final = 5.0
#: **> 23°** (bone-shape mean + 2 SD, also the largest bone-shape value) is "marked
#: anterior": more than anatomy alone explains (derived from Preece 2008). No validated
#: cut-off exists; 75–85 % of young adults tilt anteriorly (Herrington 2011).
PELVIC_TILT_MARKED_ANTERIOR_ABOVE_DEG: Final = 23.0
#: **< 0°** (PSIS lower than ASIS) is "posterior" (6–7 % of young adults, Herrington 2011).
PELVIC_TILT_POSTERIOR_BELOW_DEG: Final = 0.0
#: Left–right difference **> 11°** exceeds what bone shape alone produced (Preece 2008).
PELVIC_TILT_SIDE_DIFFERENCE_DEG: Final = 11.0

# ---------------------------------------------------------------------------------------
# 6. Modified Thomas test (hip flexor length)
# ---------------------------------------------------------------------------------------

#: Thigh angle to the horizontal **> 0°** (thigh above the table line) = short or stiff
#: one-joint hip flexors (BMC Sports Sci Med Rehabil 2021, Table 4; the classical Thomas
#: criterion that the thigh should reach the table).
THOMAS_HIP_SHORT_ABOVE_DEG: Final = 0.0
#: Knee flexion **< 67°** in the test position = short or stiff two-joint hip flexors
#: (rectus femoris) (same source). SEM of the knee angle ≈ 7° (Peeler & Anderson 2008).
THOMAS_KNEE_SHORT_BELOW_DEG: Final = 67.0

# ---------------------------------------------------------------------------------------
# 7. Hamstring length
# ---------------------------------------------------------------------------------------

#: Active knee extension (hip at 90°, angle short of full extension) **> 33.0°** in men and
#: **> 23.4°** in women = hamstring shortness (Yıldırım et al. 2018, n = 123, age 18–24).
#: The straight-leg raise has no validated cut-off (healthy men 61 ± 7°, Gajdosik 1993) and
#: is also a neural test in back pain, so kinechain reports it without classifying it.
AKE_TIGHT_MALE_DEG: Final = 33.0
AKE_TIGHT_FEMALE_DEG: Final = 23.4

# ---------------------------------------------------------------------------------------
# 8. Hip abductor strength
# ---------------------------------------------------------------------------------------

#: Manual muscle test grade 5 = normal; **< 5** = weak (MRC scale †).
MMT_NORMAL: Final = 5
#: Hand-held dynamometry: weaker side **< 90 %** of the stronger = asymmetric (common
#: limb-symmetry convention; no source retrieved). No absolute N/kg cut-off is used.
HHD_SYMMETRY_MIN: Final = 0.90

# ---------------------------------------------------------------------------------------
# 9. Questionnaires
# ---------------------------------------------------------------------------------------

#: ODI bands by score %, upper bounds inclusive on the exact score (0–20 minimal,
#: 21–40 moderate, 41–60 severe, 61–80 crippled, 81–100 bed-bound; scoring guide, bands
#: usually cited to Fairbank & Pynsent 2000 †). A fractional score (missing sections) above
#: 20 is "moderate", and so on.
ODI_BANDS: Final[tuple[tuple[float, str, str], ...]] = (
    (20.0, "minimal", "minimal disability"),
    (40.0, "moderate", "moderate disability"),
    (60.0, "severe", "severe disability"),
    (80.0, "crippled", "crippled"),
    (100.0, "bed_bound", "bed-bound (or exaggerating symptoms)"),
)
#: The ODI is scored from the sections answered (denominator 5 × answered; scoring guide,
#: Fairbank & Pynsent 2000 †); kinechain refuses to score when **more than 2** of the 10
#: sections are unanswered (convention: no published limit was found).
ODI_MAX_MISSING_SECTIONS: Final = 2
#: STarT Back (Hill et al. 2008): item 9 counts 1 when answered "very much" (3) or
#: "extremely" (4).
STARTBACK_ITEM9_POSITIVE_MIN: Final = 3
#: Low risk: total **≤ 3**. High risk: psychosocial subscale **≥ 4**. Otherwise medium.
STARTBACK_LOW_TOTAL_MAX: Final = 3
STARTBACK_HIGH_SUBSCALE_MIN: Final = 4
#: RMDQ "recovered" **≤ 2** (Kamper et al. 2010).
RMDQ_RECOVERED_MAX: Final = 2
#: PSFS: the patient names 3–5 activities (Stratford 1995 †); kinechain accepts 1–5 and notes
#: when fewer than 3 were given.
PSFS_RECOMMENDED_MIN_ACTIVITIES: Final = 3
PSFS_MAX_ACTIVITIES: Final = 5
#: NPRS MCID by baseline score: 1 (baseline 1–4), 2 (5–7), 3–4 (8–10; the lower bound 3 is
#: used) (NPRS MCID study, n = 1,232, 2021).
NPRS_MCID_BY_BASELINE: Final[tuple[tuple[int, int, float], ...]] = (
    (1, 4, 1.0),
    (5, 7, 2.0),
    (8, 10, 3.0),
)


@dataclass(frozen=True)
class ChangeThreshold:
    """How large a change in a measure must be to be real (MDC) and to matter (MCID).

    Attributes
    ----------
    measure, unit : str
        The measure's key and unit.
    mdc : float or None
        Minimal detectable change, in ``unit``.
    mcid_points : float or None
        Minimal clinically important difference, in ``unit``.
    mcid_percent : float or None
        MCID as a percentage of the baseline value, where published.
    higher_is_better : bool
        Direction of improvement.
    sources : tuple of str
        Keys into :data:`CITATIONS`.
    """

    measure: str
    unit: str
    mdc: float | None
    mcid_points: float | None
    mcid_percent: float | None
    higher_is_better: bool
    sources: tuple[str, ...]


#: MDC and MCID of the outcome measures, for progress tracking.
OUTCOME_CHANGE: Final[dict[str, ChangeThreshold]] = {
    # WBLT: intra-rater MDC (same therapist re-testing; Powden 2015); no MCID published.
    "wblt_cm": ChangeThreshold(
        "wblt_cm", "cm", WBLT_MDC_INTRA_CM, None, None, True, ("powden2015",)
    ),
    "wblt_deg": ChangeThreshold(
        "wblt_deg", "deg", WBLT_MDC_INTRA_DEG, None, None, True, ("powden2015",)
    ),
    # ODI: MCID 10 points or 30 % (Ostelo 2008); MDC ≈ 10 points (Fritz & Irrgang 2001 †).
    "odi": ChangeThreshold("odi", "%", 10.0, 10.0, 30.0, False, ("ostelo2008", "fritz2001")),
    # RMDQ: MCID 5 points or 30 % (Ostelo 2008); no MDC on the sheet.
    "rmdq": ChangeThreshold("rmdq", "points", None, 5.0, 30.0, False, ("ostelo2008",)),
    # NPRS: MDC 2 (Childs 2005); MCID 2 points or 30 % (Ostelo 2008).
    "nprs": ChangeThreshold("nprs", "points", 2.0, 2.0, 30.0, False, ("childs2005", "ostelo2008")),
    # PSFS: MCID ≈ 2 points for the mean score, ≈ 3 for one activity (Stratford 1995 †;
    # Hall 2011).
    "psfs": ChangeThreshold("psfs", "points", None, 2.0, None, True, ("stratford1995", "hall2011")),
    "psfs_single_activity": ChangeThreshold(
        "psfs_single_activity", "points", None, 3.0, None, True, ("stratford1995", "hall2011")
    ),
}

# ---------------------------------------------------------------------------------------
# 10. Lifestyle (conventions; see docs/clinic.md)
# ---------------------------------------------------------------------------------------

#: Sitting **> 6 h/day** is flagged (convention: no LBP-specific threshold found; unsupported
#: sitting raises disc pressure ~40 % over standing in Nachemson's data, although Wilke 1999
#: measured relaxed sitting close to standing).
LIFESTYLE_SITTING_HOURS: Final = 6.0
#: Shoes older than **12 months** or run **> 800 km** (convention; the common 500–800 km
#: replacement advice has no published source).
LIFESTYLE_SHOE_MONTHS: Final = 12.0
LIFESTYLE_SHOE_KM: Final = 800.0
#: Moderate-to-vigorous activity **< 150 min/week** is below the WHO 2020 recommendation †.
LIFESTYLE_ACTIVITY_MIN_PER_WEEK: Final = 150.0
