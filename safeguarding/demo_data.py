"""Synthetic but realistic school data: year groups, forms, staff in every role, pupils
with flags and guardians, and years of incidents with follow-up actions.

Names come from Faker's made-up combinations and UPNs are invented: no real person is
described. Used by `haven up` for the demo schools, by `haven demo-data`, by tests and by
the benchmarks. Rows are inserted in bulk, so a 1,200-pupil secondary with 20,000 incidents
takes seconds.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.models import User
from safeguarding.access.defaults import (
    HEADS_OF_SCHOOL,
    SAFEGUARDING_TEAM,
    SLT,
    SUPPORT_STAFF,
    TEACHERS,
)
from safeguarding.access.services import ensure_default_roles
from safeguarding.concerns.models import (
    Action,
    Agency,
    Category,
    Incident,
    IncidentCategory,
    LinkedPupil,
    Status,
)
from safeguarding.people.models import (
    Group,
    Guardian,
    Pupil,
    PupilMembership,
    StaffMembership,
    StaffProfile,
)

PHASES = {
    # year group name -> age on 1 September
    "primary": [("Reception", 4)] + [(f"Year {n}", n + 4) for n in range(1, 7)],
    "secondary": [(f"Year {n}", n + 4) for n in range(7, 12)],
}
FORM_NAMES = {"primary": ["Oak", "Ash"], "secondary": ["A", "B", "C", "D", "E", "F"]}

TEXTS = [
    "{first} arrived at {time} and said {they} had no breakfast because there was no food "
    "in the house. {They} ate toast in the office and seemed hungry.",
    "At break {first} told me that an older pupil had been sending {them} unkind messages "
    "on a group chat. {They} showed me screenshots and seemed worried about going home.",
    "{first} was quiet and withdrawn in {lesson} and put {their} head on the desk. When I "
    'asked, {they} said "I\'m just tired, mum was shouting all night".',
    "Noticed a bruise on {first}'s left forearm during PE, about 3 cm across. {They} said "
    "{they} fell off {their} bike. I have told the DSL in person.",
    "{first} was collected 45 minutes late. Dad said he had been held up at work; this is "
    "the third time this half term.",
    "{first} refused to follow instructions in {lesson}, threw a chair and left the room. "
    "{They} calmed down after ten minutes with the pastoral lead.",
    "Mum rang to say the family has been asked to leave their flat and they are staying "
    "with relatives. {first} may be late while they sort out transport.",
    "{first} said another pupil touched {them} in a way {they} did not like on the field "
    "at lunch. I wrote down {their} exact words and passed them to the DSL straight away.",
    "{first} has missed four days this fortnight. Phone calls home have not been answered.",
    "{first} told me {they} had been cutting {their} arm when feeling low. {They} showed me "
    "healed marks. I stayed with {them} and took {them} to the DSL.",
    "{first} was really helpful to a new pupil today and showed them around the school.",
    "During circle time {first} talked about a new adult staying at home who {they} said "
    'is "scary when he drinks".',
]
# How often, relatively, a school records in a category of each standard kind: most concerns
# are everyday ones, a few are rare (a trust's figures then look like real ones, with small
# counts where real schools have them). Unlisted kinds weigh 1.
COMMON = {
    "behaviour": 14, "general_safeguarding": 12, "attendance": 9, "mental_health": 8,
    "bullying": 7, "parental_contact": 6, "injury": 5, "online_safety": 4, "send": 4,
    "early_help": 3, "child_on_child": 3, "emotional_abuse": 2, "neglect": 2,
}  # fmt: skip
ACTIONS = [
    ("phone_call", "Rang home and spoke to mum, who thanked us and will keep an eye on it."),
    ("meeting", "Met {first} and a parent; agreed a weekly check-in with the pastoral lead."),
    ("note", "Spoke to {first}'s form tutor, who has seen nothing of concern this week."),
    ("outcome", "Situation resolved; no further concerns raised by staff or family."),
    ("email", "Emailed the family with the details of the attendance support meeting."),
]


@dataclass(frozen=True)
class Generated:
    pupils: int
    staff: int
    incidents: int
    actions: int


def generate(
    *,
    pupils: int,
    incidents: int,
    phase: str = "secondary",
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
    recorders: Sequence[User] = (),
) -> Generated:
    """Add synthetic people and incidents to the current school. `recorders` are accounts
    made beforehand (a training school's trainee logins) who record some of the incidents
    and actions too, so their own dashboards are not empty."""
    if phase not in PHASES:
        raise ValueError(f"Choose a phase: {', '.join(PHASES)}.")
    if incidents and not Category.objects.filter(retired_at__isnull=True).exists():
        raise ValueError("The school has no categories to record incidents in.")
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    say = progress or (lambda message: None)
    with transaction.atomic():
        forms = _groups(phase)
        staff = _staff(fake, rng, forms, count=max(12, pupils // 12))
        say(f"{len(staff)} staff")
        roll = _pupils(fake, rng, forms, phase, pupils)
        say(f"{len(roll)} pupils")
        made, actions = _incidents(rng, roll, [*staff, *recorders], incidents, say)
    return Generated(pupils=len(roll), staff=len(staff), incidents=made, actions=actions)


def _groups(phase: str) -> list[Group]:
    forms = []
    for year_name, _age in PHASES[phase]:
        year, _ = Group.objects.get_or_create(name=year_name, kind=Group.Kind.YEAR)
        short = year_name.replace("Year ", "").replace("Reception", "R")
        for suffix in FORM_NAMES[phase]:
            form, _ = Group.objects.get_or_create(name=f"{short}{suffix}", kind=Group.Kind.FORM)
            form.year = year
            forms.append(form)
    return forms


def _staff(fake: Faker, rng: random.Random, forms: list[Group], count: int) -> list[User]:
    roles = ensure_default_roles()
    plan = [SAFEGUARDING_TEAM] * 2 + [SLT] * 3 + [HEADS_OF_SCHOOL] * 2
    plan += [TEACHERS] * max(len(forms), count - len(plan) - count // 4)
    plan += [SUPPORT_STAFF] * (count // 4)
    taken = set(User.objects.values_list("email", flat=True))
    users, profiles = [], []
    for role_name in plan:
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}@staff.example".lower().replace("'", "")
        while email in taken:
            email = f"{first}.{last}{rng.randint(2, 999)}@staff.example".lower().replace("'", "")
        taken.add(email)
        user = User(email=email, full_name=f"{first} {last}")
        user.set_unusable_password()
        users.append(user)
        profiles.append((user, roles[role_name], f"{first[0]}{last[0]}".upper()))
    User.objects.bulk_create(users)
    StaffProfile.objects.bulk_create(
        StaffProfile(user=user, role=role, initials=initials) for user, role, initials in profiles
    )
    teachers = [user for user, role, _ in profiles if role.name == TEACHERS]
    StaffMembership.objects.bulk_create(
        StaffMembership(user=teacher, group=form)
        for teacher, form in zip(teachers, forms, strict=False)
    )
    return users


def _pupils(fake, rng, forms, phase, count) -> list[Pupil]:
    today = timezone.localdate()
    september = today.year if today.month >= 9 else today.year - 1
    ages = dict(PHASES[phase])
    years = {g.name: g for g in Group.objects.filter(kind=Group.Kind.YEAR, name__in=ages)}
    taken = set(Pupil.objects.values_list("upn", flat=True))
    pupils = []
    for _ in range(count):
        form = rng.choice(forms)
        year = form.year
        age = ages[year.name]
        born = datetime.date(september - age - 1, 9, 1) + datetime.timedelta(
            days=rng.randrange(365)
        )
        upn = _upn(rng, taken)
        female = rng.random() < 0.5
        pupils.append(
            Pupil(
                upn=upn,
                legal_first_name=fake.first_name_female() if female else fake.first_name_male(),
                legal_last_name=fake.last_name(),
                date_of_birth=born,
                gender="F" if female else "M",
                year_group=years[year.name],
                form=form,
                admission_date=datetime.date(september - rng.randint(0, 4), 9, 4),
                cp_plan=rng.random() < 0.015,
                cin=rng.random() < 0.03,
                cla=rng.random() < 0.01,
                sen=rng.choices(["", "K", "E"], [84, 13, 3])[0],
                eal=rng.random() < 0.15,
                fsm=rng.random() < 0.22,
                pupil_premium=rng.random() < 0.25,
                early_help=rng.random() < 0.04,
            )
        )
    Pupil.objects.bulk_create(pupils, batch_size=1000)
    PupilMembership.objects.bulk_create(
        (PupilMembership(pupil=p, group=p.form) for p in pupils), batch_size=2000
    )
    Guardian.objects.bulk_create(
        (
            Guardian(
                pupil=pupil,
                name=f"{fake.first_name()} {pupil.legal_last_name}",
                relationship=relationship,
                phone=fake.phone_number(),
                email=fake.free_email(),
                address=fake.address(),
                priority=priority,
            )
            for pupil in pupils
            for priority, relationship in enumerate(
                rng.sample(["Mother", "Father", "Grandparent", "Carer"], rng.choice([1, 2])), 1
            )
        ),
        batch_size=2000,
    )
    return pupils


def _upn(rng: random.Random, taken: set[str]) -> str:
    while True:
        upn = "Z" + "".join(rng.choice("0123456789") for _ in range(12))
        if upn not in taken:
            taken.add(upn)
            return upn


def _incidents(rng, roll, staff, count, say) -> tuple[int, int]:
    if not roll or not count:
        return 0, 0
    categories = list(Category.objects.filter(retired_at__isnull=True))
    category_weights = [COMMON.get(category.standard, 1) for category in categories]
    agencies = list(Agency.objects.all())
    # A few pupils attract many concerns: the patterns a DSL looks for.
    weights = [rng.paretovariate(1.4) for _ in roll]
    now = timezone.now()
    made = actions = 0
    batch = 2000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        subjects = rng.choices(roll, weights=weights, k=size)
        incidents = [
            Incident(
                pupil=pupil,
                text=_text(rng, pupil),
                occurred_at=(
                    when := now - datetime.timedelta(minutes=rng.randrange(60, 60 * 24 * 700))
                ),
                recorded_at=when + datetime.timedelta(minutes=rng.randrange(5, 240)),
                recorded_by=rng.choice(staff),
                status=rng.choices(Status.values, [55, 30, 15])[0],
            )
            for pupil in subjects
        ]
        Incident.objects.bulk_create(incidents)
        IncidentCategory.objects.bulk_create(
            IncidentCategory(incident=incident, category=category)
            for incident in incidents
            for category in _some(rng, categories, category_weights, rng.choice([1, 1, 1, 2]))
        )
        LinkedPupil.objects.bulk_create(
            LinkedPupil(incident=incident, pupil=other, role=rng.choice(LinkedPupil.Role.values))
            for incident in incidents
            if rng.random() < 0.08 and (other := rng.choice(roll)).pk != incident.pupil_id
        )
        follow_ups = [
            Action(
                incident=incident,
                kind=kind,
                text=text.format(first=incident.pupil.first_name),
                occurred_at=incident.occurred_at + datetime.timedelta(days=rng.randint(0, 6)),
                recorded_by=rng.choice(staff),
                agency=rng.choice(agencies) if kind == "referral" and agencies else None,
            )
            for incident in incidents
            if rng.random() < 0.35
            for kind, text in [rng.choice(ACTIONS)]
        ]
        Action.objects.bulk_create(follow_ups)
        made += len(incidents)
        actions += len(follow_ups)
        say(f"{made} incidents")
    return made, actions


def _some(rng: random.Random, items: list, weights: list[float], count: int) -> set:
    """`count` different items (fewer if there are not so many), likelier by weight."""
    chosen: set = set()
    while len(chosen) < min(count, len(items)):
        chosen.add(rng.choices(items, weights=weights)[0])
    return chosen


def _text(rng: random.Random, pupil: Pupil) -> str:
    pronouns = (
        {"they": "she", "them": "her", "their": "her"}
        if pupil.gender == "F"
        else {"they": "he", "them": "him", "their": "his"}
    )
    return rng.choice(TEXTS).format(
        first=pupil.first_name,
        time=f"{rng.randint(8, 9)}:{rng.choice(['05', '20', '40', '55'])}",
        lesson=rng.choice(["maths", "English", "science", "PE", "art", "history"]),
        They=pronouns["they"].capitalize(),
        **pronouns,
    )
