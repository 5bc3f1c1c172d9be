"""Category templates offered at onboarding, in the schools' own words (seeds/).

`primary` is Westleigh Methodist Primary's Appendix A, all of it; `secondary` is Abbey
Community College's list; `alternative-provision` is the same idea for a pupil referral
unit. Each entry: (name, standard category, restricted, subcategories); subcategories
inherit `restricted` unless they say otherwise. `heads_of_school` marks the areas the Abbey
policy opens fully to Heads of School.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safeguarding.concerns.taxonomy import Standard as S


@dataclass(frozen=True)
class Entry:
    name: str
    standard: str
    restricted: bool = False
    children: tuple[Entry, ...] = field(default_factory=tuple)
    heads_of_school: bool = False


def _subs(standard: str, *names: str, **options) -> tuple[Entry, ...]:
    return tuple(Entry(name, standard, **options) for name in names)


PRIMARY = (
    Entry("Attendance", S.ATTENDANCE, children=(
        Entry("Early Help", S.EARLY_HELP),
        *_subs(S.ATTENDANCE, "Internal monitoring", "PN", "PN fine", "Punctuality",
               "School meeting"),
    )),
    Entry("Behaviour", S.BEHAVIOUR, children=_subs(
        S.BEHAVIOUR, "Negative behaviour", "Positive behaviour", "Team teach",
    )),
    Entry("Cause for concern", S.GENERAL_SAFEGUARDING, children=(
        Entry("Every child", S.GENERAL_SAFEGUARDING),
        Entry("Injury/Bruise", S.INJURY),
        Entry("Child on Child Abuse", S.CHILD_ON_CHILD),
        Entry("Mental Health", S.MENTAL_HEALTH),
        Entry("Safeguarding disclosure", S.GENERAL_SAFEGUARDING),
        Entry("Sexualised comments", S.CHILD_ON_CHILD),
    )),
    Entry("Parent contact", S.PARENTAL_CONTACT, children=(
        *_subs(S.PARENTAL_CONTACT, "Dojo text", "Email", "Face-to face conversation",
               "Meeting"),
        Entry("Mental Health", S.MENTAL_HEALTH),
        *_subs(S.PARENTAL_CONTACT, "Phone call", "Text"),
    )),
    Entry("SLT", S.OTHER, restricted=True),
    Entry("Safeguarding", S.GENERAL_SAFEGUARDING, restricted=True, children=(
        Entry("CIN notes", S.STATUTORY),
        Entry("CLA", S.STATUTORY),
        Entry("CLA review/PEP", S.STATUTORY),
        Entry("CP Conference", S.STATUTORY),
        Entry("CP plan", S.STATUTORY),
        Entry("Early Help assessment/review", S.EARLY_HELP),
        Entry("Operation Encompass", S.DOMESTIC_ABUSE),
        Entry("Professional Referral", S.STATUTORY),
        Entry("Social care communication", S.STATUTORY),
        Entry("Startwell communication", S.EARLY_HELP),
        Entry("Strategy meeting", S.STATUTORY),
    )),
    Entry("SEN", S.SEND, children=_subs(
        S.SEND, "1:1 support", "HLN", "Intervention", "LLN", "Observation", "Plan do review",
    )),
)  # fmt: skip

SECONDARY = (
    Entry("Attendance", S.ATTENDANCE, heads_of_school=True),
    Entry("Behaviour", S.BEHAVIOUR),
    Entry("Bullying", S.BULLYING),
    Entry("Cause for Concern", S.GENERAL_SAFEGUARDING),
    Entry("Child in Need", S.STATUTORY, restricted=True),
    Entry("Child Protection", S.STATUTORY, restricted=True),
    Entry("Looked After Children", S.STATUTORY, heads_of_school=True, children=(
        Entry("PEP", S.STATUTORY, heads_of_school=True),
    )),
    Entry("Mental Health and Wellbeing", S.MENTAL_HEALTH, children=(
        Entry("Anxiety", S.MENTAL_HEALTH, heads_of_school=True),
        Entry("Eating Disorder", S.MENTAL_HEALTH, heads_of_school=True),
        Entry("Self Harm", S.SELF_HARM),
        Entry("Suicidal Thoughts/Attempt", S.SELF_HARM),
    )),
    Entry("Online Safety", S.ONLINE_SAFETY),
    Entry("Parental Contact", S.PARENTAL_CONTACT),
    Entry("Safeguarding Concern", S.GENERAL_SAFEGUARDING, restricted=True),
    Entry("Safeguarding Meetings", S.STATUTORY, restricted=True),
    Entry("SEND", S.SEND, heads_of_school=True),
)  # fmt: skip

ALTERNATIVE_PROVISION = (
    Entry("Attendance", S.ATTENDANCE, children=_subs(
        S.ATTENDANCE, "Absence", "Punctuality", "Part-time timetable",
    )),
    Entry("Behaviour", S.BEHAVIOUR, children=_subs(
        S.BEHAVIOUR, "Incident in session", "Positive behaviour", "Physical intervention",
    )),
    Entry("Child Protection", S.STATUTORY, restricted=True),
    Entry("Exploitation", S.EXPLOITATION, restricted=True, children=_subs(
        S.EXPLOITATION, "Criminal exploitation", "Sexual exploitation", "County lines",
    )),
    Entry("Going Missing", S.MISSING),
    Entry("Mental Health", S.MENTAL_HEALTH, children=(
        Entry("Self Harm", S.SELF_HARM),
        Entry("Wellbeing", S.MENTAL_HEALTH),
    )),
    Entry("Online Safety", S.ONLINE_SAFETY),
    Entry("Parent/Carer Contact", S.PARENTAL_CONTACT),
    Entry("Safeguarding Concern", S.GENERAL_SAFEGUARDING, restricted=True),
    Entry("SEND", S.SEND),
    Entry("Substance Misuse", S.SUBSTANCE_MISUSE),
    Entry("Youth Justice", S.EXPLOITATION, restricted=True),
)  # fmt: skip

TEMPLATES: dict[str, tuple[Entry, ...]] = {
    "primary": PRIMARY,
    "secondary": SECONDARY,
    "alternative-provision": ALTERNATIVE_PROVISION,
}

AGENCIES = (
    "Police",
    "Children's social care",
    "CAMHS",
    "LADO",
    "Early Help",
    "School nurse",
    "Operation Encompass",
    "Educational psychologist",
    "Youth offending team",
    "GP",
)
