"""What a subject access request holds and how it stands: the pupil's chronology as the
person asking will read it (other pupils, other pupils' parents and, by the school's
setting, staff redacted), the school's requests with their statutory clocks."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils import timezone

from safeguarding.access.policy import Viewer
from safeguarding.errors import NotFound
from safeguarding.people.models import Guardian, Pupil, StaffProfile
from safeguarding.records.models import SubjectAccessRequest, statutory_deadline
from safeguarding.records.selectors import (
    REDACTED,
    ChronologyExport,
    ExportFilters,
    chronology_for_export,
    staff_initials,
)

# What a parent or carer of another pupil becomes where their name is written.
OTHER_PARENT = "[a parent of another pupil]"
MARKS = (REDACTED, OTHER_PARENT)

_TITLES = ("mrs", "mr", "ms", "miss", "mx", "dr")  # "mrs" before "mr": the longer first
_TITLE = rf"(?:{'|'.join(_TITLES)})\.?\s+"
_WORD = re.compile(r"[^\W_]+")
# Between the words of a name: any spacing, dash, dot, underscore or apostrophe, or none.
_GAP = "[\\s_.'\u2019\u02bc\u2018\\-\u2010\u2011\u2013\u2014]*"


@dataclass(frozen=True)
class SarFile:
    """A request's file as it would be released now: the review page shows exactly this,
    and the PDF is made from it."""

    request: SubjectAccessRequest
    export: ChronologyExport
    prepared_by: str  # who is preparing it, as the file names staff

    @property
    def pupil(self) -> Pupil:
        return self.export.pupil

    @property
    def digest(self) -> str:
        """The same for the same content: a release checks that what it would release is
        what was reviewed."""
        pupil = self.pupil
        shown = (
            self.request.pk,
            pupil.full_name,
            pupil.date_of_birth,
            pupil.upn,
            pupil.year_group.name if pupil.year_group else "",
            pupil.form.name if pupil.form else "",
            self.export.filters,
            self.export.incidents,
        )
        return hashlib.sha256(repr(shown).encode()).hexdigest()


@dataclass(frozen=True)
class Clock:
    """A request against its statutory deadline."""

    deadline: datetime.date
    today: datetime.date
    released_on: datetime.date | None = None

    @property
    def days_left(self) -> int:
        """Days to the deadline (negative once past it), or how early (negative: late) it
        was released."""
        return (self.deadline - (self.released_on or self.today)).days

    @property
    def overdue(self) -> bool:
        return self.released_on is None and self.days_left < 0

    @property
    def label(self) -> str:
        days = abs(self.days_left)
        plural = "" if days == 1 else "s"
        if self.released_on is not None:
            if self.days_left >= 0:
                return "Released on time"
            return f"Released {days} day{plural} late"
        if self.days_left > 0:
            return f"{days} day{plural} left"
        if self.days_left == 0:
            return "Due today"
        return f"{days} day{plural} overdue"


@dataclass(frozen=True)
class RequestRow:
    request: SubjectAccessRequest
    clock: Clock


def clock_for(sar: SubjectAccessRequest, today: datetime.date | None = None) -> Clock:
    released = timezone.localdate(sar.released_at) if sar.released_at else None
    return Clock(
        deadline=statutory_deadline(sar.received_on),
        today=today or timezone.localdate(),
        released_on=released,
    )


def school_requests(viewer: Viewer) -> list[RequestRow]:
    """Every request of the school, drafts due soonest first, then the released ones, newest
    first. One query; never the released files themselves."""
    requests = (
        SubjectAccessRequest.objects.select_related("pupil", "created_by", "released_by")
        .defer("released_file")
        .order_by("-received_on", "-pk")
    )
    today = timezone.localdate()
    rows = [RequestRow(sar, clock_for(sar, today)) for sar in requests]
    drafts = sorted((r for r in rows if not r.request.is_released), key=lambda r: r.clock.deadline)
    return drafts + [r for r in rows if r.request.is_released]


def visible_request(viewer: Viewer, sar_id: int, *, lock: bool = False) -> SubjectAccessRequest:
    """One request of this school, with its pupil, without its released file; NotFound for
    an id that is not one (another school's requests are in another schema)."""
    if not 0 < sar_id < 2**63:
        raise NotFound("No such request.")
    requests = SubjectAccessRequest.objects.select_related(
        "pupil", "pupil__year_group", "pupil__form", "created_by", "released_by"
    ).defer("released_file")
    if lock:
        requests = requests.select_for_update(of=("self",))
    found = requests.filter(pk=sar_id).first()
    if found is None:
        raise NotFound("No such request.")
    return found


def released_file(sar: SubjectAccessRequest) -> bytes:
    """The PDF exactly as it was released."""
    content = SubjectAccessRequest.objects.values_list("released_file", flat=True).get(pk=sar.pk)
    return bytes(content)


def sar_file(viewer: Viewer, sar: SubjectAccessRequest, *, school_name: str) -> SarFile:
    """The request's file as it would be released now: the pupil's incidents in its dates
    (all categories: a request covers the whole file), each with its actions and changes,
    and every name that is not the pupil's own or their parents' redacted.

    - Pupils linked to an incident, and the pupil an incident is about when it is someone
      else: "[another pupil]", by any of their names (export's rule); any other pupil of the
      school written by first and last name, too.
    - Other pupils' parents and carers written by name, or by title and surname ("Mrs
      Smith"): "[a parent of another pupil]".
    - Staff, when the request says so: initials, in "recorded by" lines and where their name
      (or title and surname) is written.
    - The pupil's own names, and their own parents' and carers', stay as written.
    """
    filters = ExportFilters(
        date_from=sar.date_from, date_to=sar.date_to, category_ids=(), hide_other_pupils=True
    )
    export = chronology_for_export(
        viewer, sar.pupil, filters, school_name=school_name,
        staff_as_initials=sar.staff_as_initials,
        redactor=lambda texts: third_party_names(sar.pupil, texts, staff=sar.staff_as_initials),
    )  # fmt: skip
    user = viewer.user
    prepared_by = _initials_of(user) if sar.staff_as_initials else user.get_full_name()
    return SarFile(
        request=sar, export=replace(export, generated_by=prepared_by), prepared_by=prepared_by
    )


def third_party_names(pupil: Pupil, texts: Iterable[str], *, staff: bool) -> NameRedactor:
    """What hides, in these texts, the names of people other than the pupil and their own
    parents: other pupils of the school and their parents, and staff (as their initials)
    when `staff`. Four queries. Only the names these texts could hold are looked for."""
    names = NameRedactor(texts)
    own_guardians, other_guardians = [], []
    for pupil_id, name in Guardian.objects.values_list("pupil_id", "name"):
        (own_guardians if pupil_id == pupil.pk else other_guardians).append(_words(name))
    # Kept: the pupil's own names and their family's, however else they are known.
    for first, last in _pupil_names(pupil):
        names.add([*_words(first), *_words(last)], None)
        names.add_titled(_words(last), None)
    for words in own_guardians:
        names.add_person(words, None)
    # Hidden: where two share a name, a pupil's wins, then a member of staff's.
    others = Pupil.objects.exclude(pk=pupil.pk).values_list(
        "legal_first_name", "legal_last_name", "preferred_first_name", "preferred_last_name"
    )
    for legal_first, legal_last, first, last in others:
        names.add([*_words(legal_first), *_words(legal_last)], REDACTED)
        names.add([*_words(first or legal_first), *_words(last or legal_last)], REDACTED)
    if staff:
        members = StaffProfile.objects.values_list("user__full_name", "user__email", "initials")
        for full_name, email, initials in members:
            names.add_person(_words(full_name), initials or staff_initials(full_name, email))
    for words in other_guardians:
        names.add_person(words, OTHER_PARENT)
    return names


class NameRedactor:
    """Names to find in text, each with what it becomes (None: kept as written). The first
    given for a name wins. A name matches in any case, with any spacing, dash or apostrophe
    (or none) between its words, with or without a title in front."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._words: set[str] = set()
        for text in texts:
            self._words.update(word.casefold() for word in _WORD.findall(text))
        self._patterns: dict[str, None] = {}  # in the order given, without repeats
        self._becomes: dict[str, str | None] = {}
        self._compiled: re.Pattern | None = None

    def add(self, words: list[str], becomes: str | None) -> None:
        """A whole name: first and last (and any between); one word alone is too common."""
        if len(words) >= 2 and self._mentioned(words):
            self._claim(_key(words), rf"(?:{_TITLE})?{_written(words)}", becomes)

    def add_titled(self, surname: list[str], becomes: str | None) -> None:
        """A surname after a title: "Mrs Smith", "Mr Smith", "Dr Smith" ..."""
        if surname and self._mentioned(surname):
            pattern = rf"{_TITLE}{_written(surname)}"
            for title in _TITLES:
                self._claim(title + _key(surname), pattern, becomes)

    def add_person(self, words: list[str], becomes: str | None) -> None:
        """A person's name as a parent's or staff member's is kept: with or without a title
        and middle names, or as a title and surname."""
        if words and words[0].casefold() in _TITLES:
            words = words[1:]
        if not words:
            return
        self.add(words, becomes)
        self.add([words[0], words[-1]], becomes)
        for start in range(1, len(words)) if len(words) > 1 else [0]:
            self.add_titled(words[start:], becomes)

    def __call__(self, text: str) -> str:
        if not text or not self._becomes:
            return text
        if self._compiled is None:
            patterns = sorted(self._patterns, key=len, reverse=True)
            self._compiled = re.compile(rf"(?<![^\W_])(?i:{'|'.join(patterns)})(?![^\W_])")
        return self._compiled.sub(self._replacement, text)

    def _replacement(self, match: re.Match) -> str:
        words = _WORD.findall(match.group(0))
        key = _key(words)
        if key not in self._becomes and words[0].casefold() in _TITLES:
            key = _key(words[1:])  # a whole name with a title in front
        becomes = self._becomes.get(key)
        return match.group(0) if becomes is None else becomes

    def _mentioned(self, words: list[str]) -> bool:
        """Whether the texts could hold this name, so that a school's thousands of names
        make a pattern of the few that matter."""
        folded = [word.casefold() for word in words]
        # Each word's run to the end, as a word: "O'Brien" may be typed "OBrien".
        return any("".join(folded[start:]) in self._words for start in range(len(folded)))

    def _claim(self, key: str, pattern: str, becomes: str | None) -> None:
        if key and key not in self._becomes:
            self._becomes[key] = becomes
            self._patterns.setdefault(pattern)
            self._compiled = None


def _words(name: str) -> list[str]:
    return _WORD.findall(name or "")


def _key(words: list[str]) -> str:
    return "".join(word.casefold() for word in words)


def _written(words: list[str]) -> str:
    return _GAP.join(re.escape(word) for word in words)


def _pupil_names(pupil: Pupil) -> list[tuple[str, str]]:
    return [(pupil.first_name, pupil.last_name), (pupil.legal_first_name, pupil.legal_last_name)]


def _initials_of(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return (profile.initials if profile else "") or staff_initials(user.full_name, user.email)
