"""The exercise library: what each home exercise is, how to do it, how much, and why.

Every entry has plain-language numbered steps a patient can follow, a starting dose, a
week-by-week progression (relative to the week the exercise starts), an easier version, cautions,
and the evidence behind it: a key into :data:`kinechain.clinic.EVIDENCE` (graded statement with
citations) and the source of the dose. Where no trial on kinechain's reference sheet supports an
exercise, ``evidence`` is None or the weakest applicable grade and ``evidence_note`` says so.

Sources marked **†** are standard values that the reference sheet lists as *not re-checked*;
**convention** marks a dose that is kinechain's choice (common clinical practice, no source on
the sheet). Methods and the full table: ``docs/program.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final, Literal

__all__ = [
    "LIBRARY",
    "PROGRAM_CITATIONS",
    "Dosage",
    "Exercise",
    "ExerciseKind",
    "Stage",
    "older_adult_dose",
]

ExerciseKind = Literal["stretch", "strength", "motor_control", "soft_tissue", "habit"]

#: Short citations used by the program module, keyed by a stable id.
PROGRAM_CITATIONS: Final[dict[str, str]] = {
    "garber2011_flex": (
        "Garber et al. 2011, Med Sci Sports Exerc (ACSM position stand): hold a stretch 10–30 s "
        "(30–60 s in older adults), 2–4 repetitions to about 60 s per stretch, at least 2–3 days "
        "a week, daily is best, to mild tightness"
    ),
    "garber2011_strength": (
        "Garber et al. 2011, Med Sci Sports Exerc (ACSM position stand): train each major muscle "
        "group 2–3 days a week, 2–4 sets of 8–12 repetitions; 10–15 repetitions for older or "
        "new exercisers †"
    ),
    "johnson2014": "Johnson et al. 2014, Phys Ther Sport (3 × 30 s = 9 × 10 s of calf stretch)",
    "radford2006": (
        "Radford et al. 2006, BJSM (5 RCTs: static calf stretching adds about 2–3° of dorsiflexion)"
    ),
    "reid_kim2014": "Reid & Kim 2014 (at least 3 sessions a week keep a stretching gain)",
    "ingram2024": (
        "Ingram et al. 2024, Sports Med (gains plateau near 4 min per session and 10 min per "
        "week per muscle; secondary summary)"
    ),
    "konrad2022": (
        "Konrad et al. 2022, Sports Med (multi-week foam rolling: ROM ES 0.82 overall, but no "
        "dorsiflexion gain from rolling the triceps surae)"
    ),
    "konrad2021": (
        "Konrad et al. 2021, JSSM (foam rolling plus stretching no better than stretching "
        "alone, ES 0.03)"
    ),
    "hayden2021": (
        "Hayden et al. 2021, Cochrane CD009790 (exercise for chronic low back pain, 249 trials)"
    ),
    "owen2020": (
        "Owen et al. 2020, BJSM (network meta-analysis, 89 RCTs: resistance and motor-control "
        "exercise best for function; stretching no better than control)"
    ),
    "nice_ng59": (
        "NICE NG59 2016 (offer a group exercise programme for low back pain; no orthotics, "
        "belts or corsets) †"
    ),
    "fukuda2021": (
        "Fukuda et al. 2021, Braz J Phys Ther (hip strengthening added nothing to manual "
        "therapy and stabilisation, n = 70)"
    ),
    "arcanjo2020": "Arcanjo et al. 2020, Clin Rehabil; Santamaría et al. 2023, Sports (hip "
    "strengthening reviews, low-to-moderate quality)",
    "sadler2017": (
        "Sadler et al. 2017, BMC Musculoskelet Disord (reduced hamstring range predicted low "
        "back pain)"
    ),
    "barouk2014": "Barouk & Barouk 2014, Foot Ankle Clin (knee hyperextension as a sign of "
    "gastrocnemius tightness; expert opinion)",
    "osullivan2012": (
        "O'Sullivan et al. 2012, Br J Sports Med (eccentric training improves lower-limb "
        "flexibility; systematic review) †"
    ),
    "mulligan2013": (
        "Mulligan & Cook 2013, Man Ther (4 weeks of short-foot training changed arch height) †"
    ),
    "wilke1999": "Wilke et al. 1999, Spine; Nachemson (disc pressure depends on posture)",
    "convention": "kinechain convention (common clinical practice; no source on the sheet)",
}


@dataclass(frozen=True)
class Dosage:
    """How much of an exercise, and how often.

    Attributes
    ----------
    sets : int
        Sets (or holds, for a stretch) per session.
    reps : int or None
        Repetitions per set (None for a static hold or a timed activity).
    hold_s : int or None
        Seconds each hold lasts (stretch, plank) or each repetition is held.
    duration_s : int or None
        Seconds of continuous work per set (foam rolling, a walking break).
    times_per_day : int
        Sessions on a day the exercise is done.
    days_per_week : int
        Days a week (7 = every day).
    per_side : bool
        The sets are done on each prescribed side.
    """

    sets: int
    reps: int | None = None
    hold_s: int | None = None
    duration_s: int | None = None
    times_per_day: int = 1
    days_per_week: int = 7
    per_side: bool = False

    @property
    def sessions_per_week(self) -> int:
        """Prescribed sessions a week: ``times_per_day × days_per_week``."""
        return self.times_per_day * self.days_per_week

    def text(self) -> str:
        """The dose in words, e.g. ``"3 × 30 s hold on each side, 3 times a day, every day"``."""
        if self.reps is not None:
            amount = f"{self.sets} × {self.reps} reps"
            if self.hold_s:
                amount += f" (hold {self.hold_s} s each)"
        elif self.hold_s is not None:
            amount = f"{self.sets} × {self.hold_s} s hold"
        elif self.duration_s is not None:
            d = self.duration_s
            each = f"{d // 60} min" if d % 60 == 0 else f"{d} s"
            amount = each if self.sets == 1 else f"{self.sets} × {each}"
        else:
            amount = f"{self.sets} set{'s' if self.sets != 1 else ''}"
        if self.per_side:
            amount += " on each side"
        if self.times_per_day == 1:
            per_day = "once a day"
        elif self.times_per_day == 2:
            per_day = "twice a day"
        else:
            per_day = f"{self.times_per_day} times a day"
        days = "every day" if self.days_per_week == 7 else f"{self.days_per_week} days a week"
        if self.days_per_week < 7 and self.times_per_day == 1:
            return f"{amount}, {days}"
        return f"{amount}, {per_day}, {days}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with ``sessions_per_week`` and ``text``."""
        return {
            "sets": self.sets,
            "reps": self.reps,
            "hold_s": self.hold_s,
            "duration_s": self.duration_s,
            "times_per_day": self.times_per_day,
            "days_per_week": self.days_per_week,
            "sessions_per_week": self.sessions_per_week,
            "per_side": self.per_side,
            "text": self.text(),
        }


@dataclass(frozen=True)
class Stage:
    """A step of the progression.

    Attributes
    ----------
    from_week : int
        The week of the exercise (1 = the week it starts) from which this stage applies.
    dosage : Dosage
    change : str
        What changes at this stage, in words.
    """

    from_week: int
    dosage: Dosage
    change: str


@dataclass(frozen=True)
class Exercise:
    """One exercise of the library.

    Attributes
    ----------
    id : str
        Stable key (used in programs, session logs and ``program.exercises[].id``).
    name : str
        Name shown to the patient.
    target : str
        Muscle or structure trained, e.g. ``"gastrocnemius"``, ``"gluteus medius"``, ``"core"``.
    link : str
        Link of the kinetic chain it addresses (``calf``, ``ankle``, ``foot``, ``knee``, ``hip``,
        ``pelvis``, ``lumbar``, ``lifestyle``).
    kind : {"stretch", "strength", "motor_control", "soft_tissue", "habit"}
    unilateral : bool
        Done one side at a time (a prescription names the sides).
    instructions : tuple of str
        Numbered plain-language steps (the number is the position).
    dosage : Dosage
        The starting dose (week 1 of the exercise).
    progression : tuple of Stage
        Later stages, each from a week of the exercise (relative to its start).
    progression_text : str
        The progression in words, for the handout.
    regression : str
        An easier version.
    cautions : tuple of str
    evidence : str or None
        Key into :data:`kinechain.clinic.EVIDENCE`; None where no graded entry applies.
    evidence_note : str
        One or two honest sentences on what the evidence does and does not show.
    citation : str
        Sources of the dose and of the evidence note.
    """

    id: str
    name: str
    target: str
    link: str
    kind: ExerciseKind
    unilateral: bool
    instructions: tuple[str, ...]
    dosage: Dosage
    progression: tuple[Stage, ...]
    progression_text: str
    regression: str
    cautions: tuple[str, ...]
    evidence: str | None
    evidence_note: str
    citation: str

    def dose_for_week(self, week: int) -> tuple[Dosage, str | None]:
        """The dose in ``week`` of this exercise (1 = its first week), and what changed then.

        Parameters
        ----------
        week : int
            Week of the exercise, from 1.

        Returns
        -------
        dosage : Dosage
        change : str or None
            The stage's ``change`` when a stage starts exactly in ``week``, else None.
        """
        dose, change = self.dosage, None
        for stage in self.progression:
            if stage.from_week <= week:
                dose = stage.dosage
                change = stage.change if stage.from_week == week else None
        return dose, change

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "name": self.name,
            "target": self.target,
            "link": self.link,
            "kind": self.kind,
            "unilateral": self.unilateral,
            "instructions": list(self.instructions),
            "dosage": self.dosage.to_dict(),
            "progression": [
                {"from_week": s.from_week, "dosage": s.dosage.to_dict(), "change": s.change}
                for s in self.progression
            ],
            "progression_text": self.progression_text,
            "regression": self.regression,
            "cautions": list(self.cautions),
            "evidence": self.evidence,
            "evidence_note": self.evidence_note,
            "citation": self.citation,
        }


# ---------------------------------------------------------------------------------------
# Shared doses and texts
# ---------------------------------------------------------------------------------------

#: Calf stretch: 3 × 30 s (Johnson 2014: 3 × 30 s = 9 × 10 s; ACSM 2–4 repetitions), several
#: times a day (the issue's and the usual clinical advice; ACSM: daily is best).
_CALF_STRETCH = Dosage(sets=3, hold_s=30, times_per_day=3, days_per_week=7, per_side=True)
#: Other stretches: 3 × 30 s once a day, every day (ACSM: daily is best).
_DAILY_STRETCH = Dosage(sets=3, hold_s=30, times_per_day=1, days_per_week=7, per_side=True)
_STRETCH_CITATION = "; ".join(
    PROGRAM_CITATIONS[k] for k in ("garber2011_flex", "johnson2014", "reid_kim2014", "ingram2024")
)
_STRENGTH_CITATION = PROGRAM_CITATIONS["garber2011_strength"]
_LBP_CITATION = "; ".join(PROGRAM_CITATIONS[k] for k in ("hayden2021", "owen2020", "nice_ng59"))
_STRETCH_CAUTIONS = (
    "Stretch to mild tightness, never to sharp pain; do not bounce.",
    "Breathe normally while you hold.",
)
_STRENGTH_CAUTIONS = (
    "Move slowly and with control; some effort and mild muscle ache are fine, sharp pain is not.",
    "Leave a day between strength days for the same muscles.",
)
_STRETCH_PROGRESSION = (
    "The dose stays the same. As the tightness eases, move a little further into the stretch so "
    "that it still feels mildly tight. After the programme, keep stretching at least 3 days a "
    "week to keep the gain."
)


def _strength(
    start: tuple[int, int],
    mid: tuple[int, int],
    late: tuple[int, int],
    mid_change: str,
    late_change: str,
    *,
    per_side: bool = False,
    hold_s: int | None = None,
    days: int = 3,
) -> tuple[Dosage, tuple[Stage, ...]]:
    """A three-stage strength progression: weeks 1–2, 3–4 and 5 onwards."""

    def dose(sr: tuple[int, int]) -> Dosage:
        return Dosage(sets=sr[0], reps=sr[1], hold_s=hold_s, days_per_week=days, per_side=per_side)

    return dose(start), (Stage(3, dose(mid), mid_change), Stage(5, dose(late), late_change))


def _build() -> dict[str, Exercise]:
    ex: list[Exercise] = []

    # --- calf and ankle --------------------------------------------------------------------
    ex.append(
        Exercise(
            id="gastrocnemius_stretch",
            name="Calf stretch, knee straight (gastrocnemius)",
            target="gastrocnemius",
            link="calf",
            kind="stretch",
            unilateral=True,
            instructions=(
                "Stand facing a wall with both hands on it at shoulder height.",
                "Step the leg to be stretched back about one stride. Point both feet straight "
                "ahead.",
                "Keep the back knee straight and the back heel on the floor.",
                "Bend the front knee and move your hips towards the wall until you feel a mild "
                "stretch high in the back calf.",
                "Hold still for 30 seconds, breathing normally.",
                "Come back, rest a few seconds, and repeat until you have done 3 holds.",
                "Do the same on the other leg if both legs are prescribed.",
            ),
            dosage=_CALF_STRETCH,
            progression=(),
            progression_text=_STRETCH_PROGRESSION,
            regression=(
                "Sit on the floor with the leg straight, loop a towel round the ball of the foot "
                "and pull the foot gently towards you; same holds."
            ),
            cautions=(
                *_STRETCH_CAUTIONS,
                "Keep the back foot pointing forwards and the heel down.",
                "Stop and see a doctor if the calf is swollen, red, warm or painful at rest.",
            ),
            evidence="calf_stretching_dorsiflexion",
            evidence_note=(
                "Static calf stretching adds about 2–3° of ankle dorsiflexion over some weeks "
                "(Radford 2006). No high-quality trial shows that it reduces low back pain."
            ),
            citation=f"{_STRETCH_CITATION}; {PROGRAM_CITATIONS['radford2006']}",
        )
    )
    ex.append(
        Exercise(
            id="soleus_stretch",
            name="Calf stretch, knee bent (soleus)",
            target="soleus",
            link="calf",
            kind="stretch",
            unilateral=True,
            instructions=(
                "Stand facing a wall with both hands on it at shoulder height.",
                "Step the leg to be stretched back about half a stride. Point both feet straight "
                "ahead.",
                "Keep the back heel on the floor and bend both knees, sinking straight down.",
                "Stop when you feel a mild stretch low in the back calf, near the heel.",
                "Hold still for 30 seconds, breathing normally.",
                "Come back, rest a few seconds, and repeat until you have done 3 holds.",
                "Do the same on the other leg if both legs are prescribed.",
            ),
            dosage=_CALF_STRETCH,
            progression=(),
            progression_text=_STRETCH_PROGRESSION,
            regression=(
                "Sit on a chair with the foot flat and slide it back under the chair, heel "
                "down, until the lower calf feels mildly tight; same holds."
            ),
            cautions=(
                *_STRETCH_CAUTIONS,
                "Keep the back heel down; if the stretch is felt in the front of the ankle "
                "instead, stop and tell your physical therapist (the joint may be what limits "
                "the movement).",
                "Stop and see a doctor if the calf is swollen, red, warm or painful at rest.",
            ),
            evidence="calf_stretching_dorsiflexion",
            evidence_note=(
                "Static calf stretching adds about 2–3° of ankle dorsiflexion (Radford 2006). "
                "A stiff ankle joint does not respond to stretching the muscle; joint "
                "mobilisation by a physical therapist is then the usual next step."
            ),
            citation=f"{_STRETCH_CITATION}; {PROGRAM_CITATIONS['radford2006']}",
        )
    )
    ex.append(
        Exercise(
            id="calf_foam_rolling",
            name="Foam rolling of the calf",
            target="triceps surae (gastrocnemius and soleus)",
            link="calf",
            kind="soft_tissue",
            unilateral=True,
            instructions=(
                "Sit on the floor with a foam roller under one calf and your hands on the floor "
                "behind you.",
                "Lift your hips slightly so some of your weight rests on the roller.",
                "Roll slowly from just below the knee to just above the ankle and back, for "
                "about 60 seconds.",
                "For more pressure, cross the other leg on top.",
                "Rest, then do a second round, and change legs if both are prescribed.",
            ),
            dosage=Dosage(sets=2, duration_s=60, times_per_day=1, days_per_week=3, per_side=True),
            progression=(),
            progression_text=(
                "The dose stays the same; it is an optional extra before the stretches, not a "
                "replacement for them."
            ),
            regression="Roll with the other foot on the floor to take some weight off.",
            cautions=(
                "Do not roll over the back of the knee, the shin bone or the Achilles tendon.",
                "Do not roll if you have varicose veins, a past blood clot in the leg, a "
                "bleeding disorder or take blood thinners, unless your doctor agrees.",
                "Discomfort should stay moderate and fade within a minute.",
            ),
            evidence="calf_foam_rolling",
            evidence_note=(
                "Honest note: multi-week foam rolling improves range of motion in general, but "
                "rolling the calf (triceps surae) did not increase ankle dorsiflexion (Konrad "
                "2022), and rolling plus stretching was no better than stretching alone "
                "(Konrad 2021). kinechain never prescribes it automatically; a clinician may add "
                "it for comfort."
            ),
            citation=(
                f"{PROGRAM_CITATIONS['konrad2022']}; {PROGRAM_CITATIONS['konrad2021']}; dose: "
                f"{PROGRAM_CITATIONS['convention']}"
            ),
        )
    )
    heel_dose, heel_stages = _strength(
        (2, 12),
        (3, 12),
        (3, 15),
        "Go up on both feet and lower slowly on one (3 s down).",
        "Stand on the edge of a step and lower the heel slowly below the step (3 s down).",
        per_side=False,
    )
    ex.append(
        Exercise(
            id="heel_raises",
            name="Heel raises with slow lowering",
            target="gastrocnemius and soleus (eccentric strength)",
            link="calf",
            kind="strength",
            unilateral=False,
            instructions=(
                "Stand with your feet hip-width apart, holding a wall or chair for balance.",
                "Rise up onto the balls of both feet as high as you can.",
                "Lower your heels slowly, counting to 3, until they touch the floor.",
                "Repeat for the prescribed number.",
            ),
            dosage=heel_dose,
            progression=heel_stages,
            progression_text=(
                "Weeks 1–2: both feet up and down. Weeks 3–4: up on both feet, down slowly on "
                "one. Week 5 on: on the edge of a step, lowering the heel below the step."
            ),
            regression="Do them sitting, with the hands pressing down on the knees.",
            cautions=(
                *_STRENGTH_CAUTIONS,
                "Stop if the Achilles tendon hurts the next morning, and tell your physical "
                "therapist.",
            ),
            evidence=None,
            evidence_note=(
                "Eccentric training improved lower-limb flexibility in a systematic review "
                "(O'Sullivan 2012, not on kinechain's reference sheet). Not prescribed "
                "automatically; a clinician may add it to keep the calf strong."
            ),
            citation=f"{PROGRAM_CITATIONS['osullivan2012']}; dose: {_STRENGTH_CITATION}",
        )
    )

    # --- foot -------------------------------------------------------------------------------
    ex.append(
        Exercise(
            id="short_foot",
            name="Short-foot exercise (arch control)",
            target="intrinsic foot muscles (medial arch)",
            link="foot",
            kind="motor_control",
            unilateral=True,
            instructions=(
                "Sit with your foot flat on the floor, bare foot.",
                "Without curling your toes, draw the ball of the big toe towards the heel so "
                "that the arch rises and the foot gets shorter.",
                "Hold for 5 seconds, breathing normally, then relax.",
                "Repeat for the prescribed number.",
            ),
            dosage=Dosage(
                sets=2, reps=10, hold_s=5, times_per_day=1, days_per_week=7, per_side=True
            ),
            progression=(
                Stage(
                    3,
                    Dosage(sets=3, reps=10, hold_s=5, days_per_week=7, per_side=True),
                    "Do it standing on both feet.",
                ),
                Stage(
                    5,
                    Dosage(sets=3, reps=10, hold_s=5, days_per_week=7, per_side=True),
                    "Do it standing on one leg.",
                ),
            ),
            progression_text=(
                "Weeks 1–2 sitting; weeks 3–4 standing on both feet; week 5 on standing on one leg."
            ),
            regression="Help the arch up with your fingers and hold it there yourself.",
            cautions=("Keep the toes long and relaxed; curling them is a different exercise.",),
            evidence="foot_pronation",
            evidence_note=(
                "The foot rolling in to make up for a stiff ankle is a proposed mechanism, mostly "
                "theory. Short-foot training changed arch height in a small study (Mulligan & "
                "Cook 2013, not on kinechain's reference sheet); no trial tests it for back pain."
            ),
            citation=(
                f"{PROGRAM_CITATIONS['mulligan2013']}; dose: {PROGRAM_CITATIONS['convention']}"
            ),
        )
    )

    # --- knee -------------------------------------------------------------------------------
    hb_dose, hb_stages = _strength(
        (2, 8),
        (3, 10),
        (3, 8),
        "Add a set and two repetitions.",
        "Do it on one leg at a time (3 × 8 on each leg).",
    )
    ex.append(
        Exercise(
            id="hamstring_bridge",
            name="Bridge with the heels forward (hamstrings)",
            target="hamstrings",
            link="knee",
            kind="strength",
            unilateral=False,
            instructions=(
                "Lie on your back with your knees only slightly bent and your heels on the floor "
                "well in front of you.",
                "Press your heels into the floor and lift your hips until your body is in a line "
                "from shoulders to knees.",
                "You should feel the work in the back of the thighs.",
                "Hold for 2 seconds, lower slowly, and repeat.",
            ),
            dosage=hb_dose,
            progression=hb_stages,
            progression_text=(
                "Weeks 1–2: 2 × 8. Weeks 3–4: 3 × 10. Week 5 on: one leg at a time, 3 × 8 each."
            ),
            regression=(
                "Bring the heels closer to the buttocks (more knee bend) and lift less high."
            ),
            cautions=(
                *_STRENGTH_CAUTIONS,
                "If the back of the thigh cramps, bring the heels a little closer and rest.",
            ),
            evidence="knee_hyperextension",
            evidence_note=(
                "Knee hyperextension as part of the calf-to-back chain is expert opinion "
                "(Barouk 2014). The hamstrings bend the knee and help stop it snapping back; no "
                "trial on the sheet tests this exercise for it."
            ),
            citation=f"{PROGRAM_CITATIONS['barouk2014']}; dose: {_STRENGTH_CITATION}",
        )
    )
    ex.append(
        Exercise(
            id="soft_knee_standing",
            name="Soft knees when standing (habit)",
            target="knee position in standing",
            link="knee",
            kind="habit",
            unilateral=False,
            instructions=(
                "Stand in front of a mirror, side on, feet hip-width apart.",
                "Push the knees fully back (locked) and notice the feeling.",
                "Now unlock them: let them bend very slightly, weight over the middle of the "
                "feet, thigh muscles lightly active.",
                "Stay like this for one minute.",
                "During the day (queues, kitchen, standing at work), check your knees and unlock "
                "them.",
            ),
            dosage=Dosage(sets=1, duration_s=60, times_per_day=5, days_per_week=7),
            progression=(
                Stage(
                    3,
                    Dosage(sets=1, duration_s=60, times_per_day=5, days_per_week=7),
                    "Practise without the mirror, and add one-leg standing with a soft knee.",
                ),
            ),
            progression_text=(
                "Weeks 1–2 with a mirror; from week 3 without it, adding one-leg standing with a "
                "soft knee."
            ),
            regression="Practise sitting on a high stool with the feet on the floor.",
            cautions=("Soft, not bent: a slight unlocking is enough.",),
            evidence="knee_hyperextension",
            evidence_note=(
                "Expert opinion (Barouk 2014): standing with locked knees is a described "
                "compensation, and changing the habit is common advice without trial evidence."
            ),
            citation=f"{PROGRAM_CITATIONS['barouk2014']}; dose: {PROGRAM_CITATIONS['convention']}",
        )
    )
    sq_dose, sq_stages = _strength(
        (2, 10),
        (3, 10),
        (3, 12),
        "Squat down to just touch the chair, without sitting, 3 × 10.",
        "3 × 12; if easy, hold a weight (a bottle of water) at your chest.",
    )
    ex.append(
        Exercise(
            id="squat",
            name="Squat (sit-to-stand)",
            target="quadriceps and gluteus maximus",
            link="knee",
            kind="strength",
            unilateral=False,
            instructions=(
                "Stand in front of a firm chair, feet hip- to shoulder-width apart, toes turned "
                "out a little.",
                "Push your hips back and bend your knees as if to sit down, chest up, knees "
                "pointing the same way as the toes.",
                "Sit down lightly on the chair.",
                "Stand up by pushing through the whole foot and squeezing your buttocks.",
                "Stand tall at the top without locking the knees, and repeat.",
            ),
            dosage=sq_dose,
            progression=sq_stages,
            progression_text=(
                "Weeks 1–2: sit-to-stand from a chair, 2 × 10. Weeks 3–4: squat to touch the "
                "chair, 3 × 10. Week 5 on: 3 × 12, holding a weight if easy."
            ),
            regression="Use a higher seat, or push up with your hands on your thighs.",
            cautions=(
                *_STRENGTH_CAUTIONS,
                "Keep the knees over the toes, not falling inwards; go only as low as is "
                "comfortable.",
            ),
            evidence="exercise_low_back_pain",
            evidence_note=(
                "Resistance exercise was among the best exercise types for function in chronic "
                "low back pain (Owen 2020)."
            ),
            citation=f"{_LBP_CITATION}; dose: {_STRENGTH_CITATION}",
        )
    )

    # --- hip --------------------------------------------------------------------------------
    gb_dose, gb_stages = _strength(
        (2, 10),
        (3, 12),
        (3, 12),
        "Add a set and two repetitions.",
        "Hold 5 s at the top; if easy, lift one foot slightly off the floor at the top "
        "(marching bridge).",
        hold_s=2,
    )
    gb_stages = (
        gb_stages[0],
        replace(gb_stages[1], dosage=replace(gb_stages[1].dosage, hold_s=5)),
    )
    ex.append(
        Exercise(
            id="glute_bridge",
            name="Glute bridge",
            target="gluteus maximus",
            link="hip",
            kind="strength",
            unilateral=False,
            instructions=(
                "Lie on your back, knees bent, feet flat and hip-width apart, arms by your sides.",
                "Gently tighten your tummy muscles.",
                "Squeeze your buttocks and lift your hips until your body is in a straight line "
                "from shoulders to knees.",
                "Hold for 2 seconds without arching your lower back.",
                "Lower slowly and repeat.",
            ),
            dosage=gb_dose,
            progression=gb_stages,
            progression_text=(
                "Weeks 1–2: 2 × 10 with a 2-s hold. Weeks 3–4: 3 × 12. Week 5 on: 3 × 12 with a "
                "5-s hold, or a marching bridge."
            ),
            regression="Lift the hips only a little, or do it with the feet on a low step.",
            cautions=(
                *_STRENGTH_CAUTIONS,
                "Lift with the buttocks, not by arching the back; if the hamstrings cramp, bring "
                "the feet closer.",
            ),
            evidence="exercise_low_back_pain",
            evidence_note=(
                "Exercise reduces pain and improves function in chronic low back pain (Hayden "
                "2021), with resistance and motor-control exercise doing best for function "
                "(Owen 2020). Adding hip strengthening to other care gave no extra benefit in "
                "one trial (Fukuda 2021)."
            ),
            citation=f"{_LBP_CITATION}; {PROGRAM_CITATIONS['fukuda2021']}; dose: "
            f"{_STRENGTH_CITATION}",
        )
    )
    ha_dose, ha_stages = _strength(
        (2, 10),
        (3, 12),
        (3, 15),
        "Add a set and two repetitions.",
        "3 × 15; if easy, add a resistance band round the knees or a light ankle weight.",
        per_side=True,
    )
    ex.append(
        Exercise(
            id="side_lying_hip_abduction",
            name="Side-lying leg lift (hip abduction)",
            target="gluteus medius",
            link="hip",
            kind="strength",
            unilateral=True,
            instructions=(
                "Lie on your side with the leg to be trained on top, the bottom knee bent for "
                "balance.",
                "Keep the top leg straight, in line with your body, toes pointing forwards (not "
                "up).",
                "Lift the top leg slowly to about hand-width above hip height, leading with the "
                "heel.",
                "Lower it slowly. Do not roll backwards.",
                "Repeat for the prescribed number, then change sides if both are prescribed.",
            ),
            dosage=ha_dose,
            progression=ha_stages,
            progression_text=(
                "Weeks 1–2: 2 × 10. Weeks 3–4: 3 × 12. Week 5 on: 3 × 15, with a band or a light "
                "ankle weight if easy."
            ),
            regression="Lift a smaller distance, or do it standing while holding a chair.",
            cautions=_STRENGTH_CAUTIONS,
            evidence="hip_strengthening_low_back_pain",
            evidence_note=(
                "Reviews report benefit from hip strengthening in low back pain with "
                "low-to-moderate quality; one trial found no extra benefit when it was added to "
                "other care (Fukuda 2021)."
            ),
            citation=f"{PROGRAM_CITATIONS['arcanjo2020']}; {PROGRAM_CITATIONS['fukuda2021']}; "
            f"dose: {_STRENGTH_CITATION}",
        )
    )
    ex.append(
        Exercise(
            id="hip_flexor_stretch",
            name="Kneeling hip flexor stretch",
            target="iliopsoas and rectus femoris",
            link="hip",
            kind="stretch",
            unilateral=True,
            instructions=(
                "Kneel on a cushion on the knee of the side to be stretched, the other foot flat "
                "in front of you.",
                "Tuck your tailbone under by tightening the buttock of the kneeling leg.",
                "Keeping your back upright, shift your weight slowly forwards until you feel a "
                "mild stretch at the front of the hip of the kneeling leg.",
                "Hold for 30 seconds, breathing normally; do not arch your back.",
                "Come back and repeat until you have done 3 holds, then change sides if both are "
                "prescribed.",
            ),
            dosage=_DAILY_STRETCH,
            progression=(),
            progression_text=(
                "The dose stays the same. As it eases, raise the arm on the stretched side "
                "overhead. Keep stretching at least 3 days a week after the programme."
            ),
            regression=(
                "Lie on your back at the edge of a bed, hug one knee to your chest and let the "
                "other leg hang down; same holds."
            ),
            cautions=(*_STRETCH_CAUTIONS, "Use a cushion under the knee."),
            evidence="pelvic_tilt",
            evidence_note=(
                "Prescribed for the measured hip-flexor length or pelvic tilt, not as a "
                "back-pain treatment: stretching alone was no better than control for back pain "
                "(Owen 2020), and the tilt-to-back-pain link is weak."
            ),
            citation=f"{_STRETCH_CITATION}; {PROGRAM_CITATIONS['owen2020']}",
        )
    )
    ex.append(
        Exercise(
            id="hamstring_stretch",
            name="Lying hamstring stretch with a strap",
            target="hamstrings",
            link="hip",
            kind="stretch",
            unilateral=True,
            instructions=(
                "Lie on your back with both legs straight; loop a towel or strap round the foot "
                "of the leg to be stretched.",
                "Keeping that knee straight, lift the leg with the strap until you feel a mild "
                "stretch behind the thigh.",
                "Keep the other leg flat on the floor.",
                "Hold for 30 seconds, breathing normally.",
                "Lower the leg and repeat until you have done 3 holds, then change sides if both "
                "are prescribed.",
            ),
            dosage=_DAILY_STRETCH,
            progression=(),
            progression_text=(
                "The dose stays the same; lift a little higher as it eases. Keep stretching at "
                "least 3 days a week after the programme."
            ),
            regression="Bend the other knee with that foot flat on the floor.",
            cautions=(
                *_STRETCH_CAUTIONS,
                "Stop if you feel tingling, numbness or pain running down the leg: lower the leg "
                "and tell your physical therapist.",
            ),
            evidence="hamstring_length",
            evidence_note=(
                "Reduced hamstring range of motion predicted low back pain in a review of "
                "prospective cohorts (Sadler 2017); stretching alone was no better than control "
                "for back pain (Owen 2020)."
            ),
            citation=f"{_STRETCH_CITATION}; {PROGRAM_CITATIONS['sadler2017']}",
        )
    )

    # --- pelvis and lumbar ------------------------------------------------------------------
    ex.append(
        Exercise(
            id="posterior_pelvic_tilt",
            name="Pelvic tilt drill",
            target="abdominals and pelvic control",
            link="pelvis",
            kind="motor_control",
            unilateral=False,
            instructions=(
                "Lie on your back with your knees bent and feet flat.",
                "Gently tighten your tummy muscles and tilt your pelvis back so that the small "
                "of your back flattens onto the floor.",
                "Hold for 5 seconds, breathing normally.",
                "Relax back to the starting position and repeat.",
            ),
            dosage=Dosage(sets=2, reps=10, hold_s=5, times_per_day=1, days_per_week=7),
            progression=(
                Stage(
                    3,
                    Dosage(sets=2, reps=10, hold_s=5, times_per_day=1, days_per_week=7),
                    "Do it standing with your back against a wall.",
                ),
                Stage(
                    5,
                    Dosage(sets=2, reps=10, hold_s=5, times_per_day=1, days_per_week=7),
                    "Do it standing away from the wall, and use it when you stand for long.",
                ),
            ),
            progression_text=(
                "Weeks 1–2 lying; weeks 3–4 standing against a wall; week 5 on standing free, "
                "and during the day when standing."
            ),
            regression="Make the movement smaller; it should be comfortable.",
            cautions=("A small movement is enough; do not hold your breath.",),
            evidence="pelvic_tilt",
            evidence_note=(
                "A control drill for a forward-tilted pelvis. The link between pelvic tilt and "
                "calf tightness or back pain is weak, and no trial on the sheet tests this drill."
            ),
            citation=f"dose: {PROGRAM_CITATIONS['convention']}",
        )
    )
    ex.append(
        Exercise(
            id="dead_bug",
            name="Dead bug",
            target="core (deep abdominals, motor control)",
            link="lumbar",
            kind="motor_control",
            unilateral=False,
            instructions=(
                "Lie on your back, arms pointing to the ceiling, hips and knees bent at right "
                "angles with the shins level.",
                "Gently flatten your lower back towards the floor and keep it there.",
                "Slowly lower one arm behind your head and the opposite leg towards the floor, "
                "as far as you can without your back arching.",
                "Bring them back and do the other arm and leg. That is one repetition on each "
                "side.",
                "Breathe out as you lower, in as you return.",
            ),
            dosage=Dosage(sets=2, reps=6, days_per_week=3, per_side=True),
            progression=(
                Stage(
                    3,
                    Dosage(sets=3, reps=8, days_per_week=3, per_side=True),
                    "Add a set and two repetitions on each side.",
                ),
                Stage(
                    5,
                    Dosage(sets=3, reps=10, days_per_week=3, per_side=True),
                    "3 × 10 on each side, reaching the leg out straighter.",
                ),
            ),
            progression_text=(
                "Weeks 1–2: 2 × 6 each side. Weeks 3–4: 3 × 8. Week 5 on: 3 × 10 with the leg "
                "reaching out straighter; then move on to the plank."
            ),
            regression=("Keep your feet on the floor and slide one heel out and back at a time."),
            cautions=(
                "Stop the movement where your back starts to arch.",
                "Stop if back pain sharpens or spreads down a leg, and tell your physical "
                "therapist.",
            ),
            evidence="exercise_low_back_pain",
            evidence_note=(
                "Motor-control (stabilisation) exercise was among the best exercise types for "
                "function in chronic low back pain (Owen 2020)."
            ),
            citation=f"{_LBP_CITATION}; dose: {PROGRAM_CITATIONS['convention']}",
        )
    )
    ex.append(
        Exercise(
            id="bird_dog",
            name="Bird dog",
            target="core (back extensors and gluteals, motor control)",
            link="lumbar",
            kind="motor_control",
            unilateral=False,
            instructions=(
                "Start on your hands and knees, hands under shoulders, knees under hips, back "
                "flat.",
                "Gently tighten your tummy muscles.",
                "Reach one arm forwards and the opposite leg backwards until both are level with "
                "your body.",
                "Hold for 5 seconds without letting your back sag or twist.",
                "Return and do the other arm and leg. That is one repetition on each side.",
            ),
            dosage=Dosage(sets=2, reps=6, hold_s=5, days_per_week=3, per_side=True),
            progression=(
                Stage(
                    3,
                    Dosage(sets=3, reps=8, hold_s=5, days_per_week=3, per_side=True),
                    "Add a set and two repetitions on each side.",
                ),
                Stage(
                    5,
                    Dosage(sets=3, reps=10, hold_s=5, days_per_week=3, per_side=True),
                    "3 × 10 on each side.",
                ),
            ),
            progression_text="Weeks 1–2: 2 × 6 each side. Weeks 3–4: 3 × 8. Week 5 on: 3 × 10.",
            regression="Move only the leg (or only the arm) at first.",
            cautions=(
                "Keep the back flat, as if a glass of water stood on it.",
                "Stop if back pain sharpens or spreads down a leg.",
            ),
            evidence="exercise_low_back_pain",
            evidence_note=(
                "Motor-control (stabilisation) exercise was among the best exercise types for "
                "function in chronic low back pain (Owen 2020). Not prescribed automatically; "
                "an alternative to the plank."
            ),
            citation=f"{_LBP_CITATION}; dose: {PROGRAM_CITATIONS['convention']}",
        )
    )
    ex.append(
        Exercise(
            id="plank",
            name="Plank",
            target="core (abdominal wall)",
            link="lumbar",
            kind="strength",
            unilateral=False,
            instructions=(
                "Lie on your front, resting on your forearms, elbows under your shoulders.",
                "Tighten your tummy and buttocks and lift your body so that it rests on your "
                "forearms and knees (weeks 1–2) or toes (from week 3), in a straight line.",
                "Hold for the prescribed time, breathing normally.",
                "Lower down, rest 30–60 seconds, and repeat.",
            ),
            dosage=Dosage(sets=3, hold_s=15, days_per_week=3),
            progression=(
                Stage(
                    3,
                    Dosage(sets=3, hold_s=20, days_per_week=3),
                    "Full plank on the toes, 3 × 20 s.",
                ),
                Stage(5, Dosage(sets=3, hold_s=30, days_per_week=3), "Full plank, 3 × 30 s."),
            ),
            progression_text=(
                "Weeks 1–2: on the knees, 3 × 15 s. Weeks 3–4: on the toes, 3 × 20 s. Week 5 "
                "on: 3 × 30 s."
            ),
            regression=(
                "Plank with the hands on a wall or a table; if planks hurt your back, do the "
                "bird dog instead."
            ),
            cautions=(
                "Do not let the hips sag or the back arch; do not hold your breath.",
                "Stop if back pain sharpens or spreads down a leg.",
            ),
            evidence="exercise_low_back_pain",
            evidence_note=(
                "Exercise reduces pain and improves function in chronic low back pain (Hayden "
                "2021); stabilisation and resistance exercise did best for function (Owen 2020)."
            ),
            citation=f"{_LBP_CITATION}; dose: {PROGRAM_CITATIONS['convention']}",
        )
    )

    # --- lifestyle --------------------------------------------------------------------------
    ex.append(
        Exercise(
            id="walking_breaks",
            name="Walking breaks from sitting",
            target="sitting time",
            link="lifestyle",
            kind="habit",
            unilateral=False,
            instructions=(
                "Set a timer for every 30–60 minutes while you sit.",
                "When it rings, stand up and walk for 2–5 minutes: fetch water, take the stairs, "
                "take a phone call standing.",
                "Sit back down and restart the timer.",
            ),
            dosage=Dosage(sets=1, duration_s=180, times_per_day=8, days_per_week=7),
            progression=(),
            progression_text=(
                "Keep the breaks through the programme; make them longer (up to 5 minutes) when "
                "you can."
            ),
            regression="If you cannot walk away, stand up and shift your weight for a minute.",
            cautions=("Get up slowly if you feel stiff.",),
            evidence=None,
            evidence_note=(
                "Sitting changes the pressure in the lumbar discs compared with standing "
                "(Wilke 1999; Nachemson). The break interval is a convention: no trial on the "
                "sheet tests it for back pain."
            ),
            citation=f"{PROGRAM_CITATIONS['wilke1999']}; dose: {PROGRAM_CITATIONS['convention']}",
        )
    )
    return {e.id: e for e in ex}


#: The exercise library, keyed by id, in chain order (calf → … → lumbar → lifestyle).
LIBRARY: Final[dict[str, Exercise]] = _build()


def older_adult_dose(dosage: Dosage) -> Dosage:
    """A stretch dose for an adult aged 65 or more: 2 holds of 60 s (ACSM: 30–60 s).

    Non-stretch doses (no hold of 30 s) are returned unchanged.
    """
    if dosage.hold_s == 30 and dosage.reps is None:
        return replace(dosage, sets=2, hold_s=60)
    return dosage
