"""How strong the evidence is behind each link of the calf-to-back chain and each treatment.

Grades (kinechain's scale, most to least certain):

``strong``
    Systematic reviews or meta-analyses of controlled trials with consistent results.
``moderate``
    A controlled trial, a large cohort, or consistent cross-sectional studies.
``weak``
    Small or single cross-sectional studies, uncontrolled case series, or inconsistent results.
``expert_opinion``
    Described by clinicians or proposed as a mechanism, without measurements behind it.
``hypothesis``
    A plausible story that studies have not shown (or have contradicted).

Statements and citations come from ``reference/clinical.md`` §2b and §4; findings of the
kinetic-chain engine reference these entries by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = ["EVIDENCE", "GRADES", "GRADE_DESCRIPTIONS", "Evidence", "EvidenceGrade"]

EvidenceGrade = Literal["strong", "moderate", "weak", "expert_opinion", "hypothesis"]

#: Grades from most to least certain.
GRADES: Final[tuple[EvidenceGrade, ...]] = (
    "strong",
    "moderate",
    "weak",
    "expert_opinion",
    "hypothesis",
)

#: What each grade means.
GRADE_DESCRIPTIONS: Final[dict[EvidenceGrade, str]] = {
    "strong": "systematic reviews or meta-analyses of controlled trials, consistent results",
    "moderate": "a controlled trial, a large cohort, or consistent cross-sectional studies",
    "weak": "small or single cross-sectional studies, uncontrolled series, or inconsistent results",
    "expert_opinion": "clinical description or proposed mechanism without measurements",
    "hypothesis": "a plausible story that studies have not shown, or have contradicted",
}


@dataclass(frozen=True)
class Evidence:
    """The evidence behind one claim.

    Attributes
    ----------
    grade : EvidenceGrade
    statement : str
        What the evidence says, in one or two sentences.
    citations : tuple of str
        Short citations.
    link : str or None
        The chain link the claim belongs to (``calf``, ``ankle``, ``foot``, ``knee``,
        ``hip``, ``pelvis``, ``lumbar``); None for treatments and screening.
    """

    grade: EvidenceGrade
    statement: str
    citations: tuple[str, ...]
    link: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "grade": self.grade,
            "statement": self.statement,
            "citations": list(self.citations),
            "link": self.link,
        }


#: Evidence entries keyed by a stable id. The chain-link entries (``calf_tightness``,
#: ``ankle_df_gait``, ``early_heel_rise``, ``foot_pronation``, ``knee_hyperextension``,
#: ``knee_rotation``, ``hip_push_off``, ``pelvic_tilt``, ``lumbar_extension``) are the keys the
#: kinetic-chain findings reference; ``link`` is the chain link they belong to.
EVIDENCE: Final[dict[str, Evidence]] = {
    # --- The chain, link by link -----------------------------------------------------------
    "calf_tightness": Evidence(
        "moderate",
        "A short gastrocnemius or soleus limits ankle dorsiflexion: this is what the "
        "Silfverskiöld test measures (20° of knee flexion removes the gastrocnemius effect), "
        "and people with forefoot or midfoot pain had less knee-extended dorsiflexion than "
        "controls (4.5° vs 13.1°).",
        (
            "Baumbach et al. 2014, BMC Musculoskelet Disord",
            "DiGiovanni et al. 2002, J Bone Joint Surg Am",
        ),
        "calf",
    ),
    "ankle_df_gait": Evidence(
        "weak",
        "Limited dorsiflexion shows in gait: people with peak stance dorsiflexion < 10° walked "
        "with less hip extension, a smaller ankle plantarflexion moment and anterior ground "
        "force (cross-sectional, n = 51); weight-bearing (not non-weight-bearing) dorsiflexion "
        "correlated with dorsiflexion at heel rise (n = 30).",
        ("Rao et al. 2024, Front Neurol", "J Phys Ther Sci 2018 (PMC5940474)"),
        "ankle",
    ),
    "early_heel_rise": Evidence(
        "weak",
        "Weight-bearing dorsiflexion correlated with heel-rise timing (a shortened tibial "
        "advance); non-weight-bearing dorsiflexion did not (cross-sectional, n = 30).",
        ("J Phys Ther Sci 2018 (PMC5940474)",),
        "ankle",
    ),
    "foot_pronation": Evidence(
        "expert_opinion",
        "Proposed mechanism: the foot supplies the missing dorsiflexion through the midtarsal "
        "and subtalar joints (pronation, rearfoot eversion). Mostly theory.",
        ("J Phys Ther Sci 2018 (PMC5940474), introduction",),
        "foot",
    ),
    "knee_hyperextension": Evidence(
        "expert_opinion",
        "Knee hyperextension (with hip flexion and lumbar hyperlordosis) is described as a "
        "clinical sign of gastrocnemius tightness, without measurements behind it.",
        ("Barouk & Barouk 2014, Foot Ankle Clin", "Downey & Banks 1989, JAPMA"),
        "knee",
    ),
    "knee_rotation": Evidence(
        "weak",
        "Lower dorsiflexion correlated with knee external rotation (r = −0.39) and hip adduction "
        "(r = −0.26) in walking (n = 70); the dorsiflexion < 10° group also had more knee "
        "external rotation (Rao 2024).",
        ("Walking study, n = 70 (journal not confirmed)", "Rao et al. 2024, Front Neurol"),
        "knee",
    ),
    "hip_push_off": Evidence(
        "weak",
        "The dorsiflexion < 10° group had less hip extension and push-off, and less ipsilateral "
        "pelvic tilt in the frontal plane (cross-sectional, n = 51).",
        ("Rao et al. 2024, Front Neurol",),
        "hip",
    ),
    "pelvic_tilt": Evidence(
        "weak",
        "The lunge test correlated with pelvic tilt (r ≈ 0.6) but in opposite directions on the "
        "two sides (IMU study, n = 27, low-profile journal). No gait study shows a consistent "
        "increase in sagittal anterior pelvic tilt from calf tightness.",
        ("IMU gait study, n = 27 (RSAB journal)",),
        "pelvis",
    ),
    "lumbar_extension": Evidence(
        "hypothesis",
        "'Tight calf → anterior pelvic tilt → hyperlordosis → low back pain' is a clinical "
        "hypothesis: no gait study shows it. Lordosis did not differ between acute back pain and "
        "controls, and limited (not excess) lordosis predicted back pain.",
        ("Singh et al. 2024, Cureus", "Sadler et al. 2017, BMC Musculoskelet Disord"),
        "lumbar",
    ),
    "calf_low_back_pain": Evidence(
        "weak",
        "Ankle dorsiflexion was not among the pooled predictors of low back pain in 12 cohorts "
        "(n = 5,459); smaller studies disagree (no difference in athletes or students; worse "
        "pain and ODI with limited dorsiflexion in pronated feet; OR 1.16 after ankle sprain).",
        (
            "Sadler et al. 2017, BMC Musculoskelet Disord",
            "Miñambres-Martín et al. 2022, IJERPH",
            "J Riphah Coll Rehabil Sci 2024",
        ),
        "lumbar",
    ),
    "hamstring_length": Evidence(
        "moderate",
        "Reduced hamstring range of motion predicted low back pain in a systematic review of "
        "prospective cohorts (OR 0.96 per unit), as did reduced lateral flexion and limited "
        "lordosis.",
        ("Sadler et al. 2017, BMC Musculoskelet Disord",),
        "hip",
    ),
    # --- Treatments -------------------------------------------------------------------------
    "calf_stretching_dorsiflexion": Evidence(
        "strong",
        "Static calf stretching increases dorsiflexion by about 2–3° over weeks (5 RCTs); "
        "effect sizes 0.70–1.69. 3 × 30 s ≈ 9 × 10 s; ≥ 3 sessions a week keep the gain.",
        (
            "Radford et al. 2006, BJSM",
            "Young et al. 2013, J Foot Ankle Res",
            "Johnson et al. 2014, Phys Ther Sport",
            "Reid & Kim 2014",
        ),
        None,
    ),
    "calf_stretching_low_back_pain": Evidence(
        "weak",
        "No high-quality trial shows that calf stretching reduces low back pain: one "
        "uncontrolled series (n = 22) and one small RCT in a low-profile journal (n = 40).",
        ("Calf stretch series, n = 22 (no control group)", "Al-Toriri & Shamsi 2015"),
        None,
    ),
    "calf_foam_rolling": Evidence(
        "moderate",
        "Multi-week foam rolling improves range of motion overall (ES 0.82), but rolling the "
        "triceps surae gave no dorsiflexion gain, and rolling plus stretching is no better "
        "than stretching alone (ES 0.03).",
        ("Konrad et al. 2022, Sports Med", "Konrad et al. 2021, JSSM"),
        None,
    ),
    "exercise_low_back_pain": Evidence(
        "strong",
        "Exercise reduces pain and improves function compared with no treatment or usual care "
        "(SMD −0.33 pain, −0.31 function, moderate certainty); Pilates, resistance and motor "
        "control exercise do best; stretching alone is no better than control.",
        (
            "Hayden et al. 2021, Cochrane CD009790",
            "WHO-guideline review, J Occup Rehabil 2023",
            "Owen et al. 2020, BJSM",
        ),
        None,
    ),
    "hip_strengthening_low_back_pain": Evidence(
        "weak",
        "Adding hip strengthening to manual therapy and stabilisation gave no extra benefit in "
        "an RCT (n = 70); reviews report benefit with low-to-moderate quality.",
        (
            "Fukuda et al. 2021, Braz J Phys Ther",
            "Arcanjo et al. 2020, Clin Rehabil",
            "Santamaría et al. 2023, Sports",
        ),
        None,
    ),
    # --- Measurement and screening -----------------------------------------------------------
    "wblt_reliability": Evidence(
        "strong",
        "The weight-bearing lunge test is reliable (inter-rater ICC 0.80–0.99, 12 studies); "
        "MDC about 1.6–1.9 cm or 4.6–4.7°.",
        ("Powden, Hoch & Hoch 2015, Man Ther",),
        None,
    ),
    "red_flags": Evidence(
        "moderate",
        "Most red flags have poor diagnostic accuracy on their own; they are used to trigger "
        "referral, not to diagnose.",
        ("Henschke et al. 2013, Cochrane", "Finucane et al. 2020, JOSPT"),
        None,
    ),
}
