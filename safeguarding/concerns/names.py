"""Hiding pupils' names in what staff wrote, for incidents whose names a DSL has hidden.

Staff are asked to write pupils' full names "as these can be hidden if necessary"
(Westleigh), so the stored text keeps them and the screen shows initials instead. Text is
typed on phones and keyboards alike: curly or straight apostrophes, any dash, any spacing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from safeguarding.people.models import Pupil

_APOSTROPHES = "'\u2019\u02bc\u2018"  # straight, curly, modifier letter, opening
_DASHES = "\\-\u2010\u2011\u2013\u2014"  # escaped for character classes
_SEPARATORS = rf"[\s_.{_DASHES}]"
_PIECES = re.compile(rf"[\s{_APOSTROPHES}{_DASHES}]+")
# Letters and digits only: "amara_okafor.jpg" still has a name in it.
_START, _END = r"(?<![^\W_])", r"(?![^\W_])"


def hide_names(text: str, pupils: Iterable[Pupil]) -> str:
    """Each pupil's names become the pupil's initials.

    A whole name (first and last, legal or preferred) matches in any case. A single name,
    or one piece of a hyphenated or apostrophised one, matches only when it starts with a
    capital as names are written, so a pupil called Will does not turn "she will" into
    "she WS". Where two pupils share a name, the first pupil given wins.
    """
    wholes: dict[str, tuple[str, str]] = {}  # key -> (pattern, initials)
    singles: dict[str, tuple[str, str]] = {}
    for pupil in pupils:
        initials = pupil.initials
        for first, last in (
            (pupil.first_name, pupil.last_name),
            (pupil.legal_first_name, pupil.legal_last_name),
        ):
            if first.strip() and last.strip():
                whole = f"{first.strip()} {last.strip()}"
                wholes.setdefault(_key(whole), (_written(whole), initials))
        for name in (pupil.first_name, pupil.last_name, pupil.legal_first_name,
                     pupil.legal_last_name):  # fmt: skip
            name = name.strip()
            pieces = [piece for piece in _PIECES.split(name) if len(piece) >= 3]
            for single in [name, *pieces] if len(name) >= 2 else pieces:
                singles.setdefault(_key(single), (_capitalised(single), initials))
    alternatives = []
    if wholes:
        alternatives.append(f"(?P<whole>(?i:{_longest_first(wholes)}))")
    if singles:
        alternatives.append(f"(?P<single>{_longest_first(singles)})")
    if not alternatives:
        return text

    def initials_for(match: re.Match) -> str:
        found = wholes if wholes and match.group("whole") else singles
        return found[_key(match.group(0))][1]

    return re.sub(f"{_START}(?:{'|'.join(alternatives)}){_END}", initials_for, text)


def _key(name: str) -> str:
    """The same for every way of writing one name."""
    return re.sub(rf"{_SEPARATORS}|[{_APOSTROPHES}]", "", name).casefold()


def _longest_first(names: dict[str, tuple[str, str]]) -> str:
    patterns = sorted((pattern for pattern, _ in names.values()), key=len, reverse=True)
    return "|".join(patterns)


def _written(name: str) -> str:
    """A pattern for the name however it is typed: any apostrophe where it has one, and
    any spacing, dash, dot or underscore (or none) where it has a space or a dash."""
    pattern = []
    for piece in re.split(rf"({_SEPARATORS}+|[{_APOSTROPHES}])", name):
        if not piece:
            continue
        if piece[0] in _APOSTROPHES:
            pattern.append(f"[{_APOSTROPHES}]?")
        elif re.fullmatch(f"{_SEPARATORS}+", piece):
            pattern.append(f"{_SEPARATORS}*")
        else:
            pattern.append(re.escape(piece))
    return "".join(pattern)


def _capitalised(name: str) -> str:
    """The name starting with a capital letter, the rest in any case."""
    first, rest = name[0], name[1:]
    return f"{re.escape(first.upper())}(?i:{_written(rest)})" if rest else re.escape(first)
