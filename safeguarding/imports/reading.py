"""Read one MIS export (CSV bytes) into checked rows, without touching the database.

Bad input never raises: the result carries file-level refusals (wrong kind of file, missing
columns) or per-line errors. Messages name the line and column, never a cell's value, because
they reach pages and may reach logs.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from safeguarding.imports.columns import (
    COLUMNS,
    CONTACT_PREFIXES,
    KINDS,
    MEMBERSHIP_MEMBER_FIELDS,
    MEMBERSHIPS,
    PUPILS,
    STAFF,
    Column,
    normalise_header,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_NAME = 100
UPN_PATTERN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE_PATTERN = re.compile(r"^[+-]?[0-9][0-9 ()-]{4,}(\s*(ext|x)\.?\s*[0-9]+)?$", re.IGNORECASE)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODING_LABELS = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252"}

_DATE_FORMATS = (
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), ("d", "m", "y")),
)
_GENDERS = {
    "f": "F", "female": "F", "girl": "F",
    "m": "M", "male": "M", "boy": "M",
    "x": "X", "other": "X", "nonbinary": "X",
    "": "U", "u": "U", "unknown": "U", "notstated": "U", "notknown": "U",
    "prefernottosay": "U", "notrecorded": "U",
}  # fmt: skip
_GROUP_KINDS = {
    "": "teaching", "teaching": "teaching", "teachinggroup": "teaching", "set": "teaching",
    "subject": "teaching", "year": "year", "yeargroup": "year", "form": "form",
    "formgroup": "form", "reg": "form", "reggroup": "form", "registrationgroup": "form",
    "registrationform": "form", "tutorgroup": "form", "class": "form",
}  # fmt: skip
_SEN = {
    "": "", "n": "", "no": "", "none": "", "nosen": "",
    "k": "K", "sensupport": "K", "support": "K", "senk": "K",
    "e": "E", "ehcp": "E", "ehcplan": "E", "ehc": "E", "statement": "E", "s": "E",
}  # fmt: skip
_YES = {"y", "yes", "true", "1", "t"}
_NO = {"n", "no", "false", "0", "f", ""}


@dataclass(frozen=True)
class GuardianRow:
    name: str
    relationship: str
    phone: str
    phone_alternative: str
    email: str
    parental_responsibility: bool
    priority: int


@dataclass(frozen=True)
class PupilRow:
    line: int
    upn: str
    legal_first_name: str
    legal_last_name: str
    preferred_first_name: str
    preferred_last_name: str
    date_of_birth: datetime.date
    gender: str
    year_group: str
    form: str
    admission_number: str
    admission_date: datetime.date | None
    leaving_date: datetime.date | None
    guardians: tuple[GuardianRow, ...]
    sen: str = ""
    eal: bool = False
    fsm: bool = False
    pupil_premium: bool = False


@dataclass(frozen=True)
class StaffRow:
    line: int
    email: str
    first_name: str
    last_name: str
    initials: str
    job_title: str
    role: str


@dataclass(frozen=True)
class MembershipRow:
    line: int
    group: str
    group_kind: str
    mis_id: str
    upn: str
    staff_email: str


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ReadResult:
    kind: str
    encoding: str = ""
    delimiter: str = ""
    rows: list[PupilRow | StaffRow | MembershipRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    lines_read: int = 0
    # The Haven fields the file has a column for: a field without one is left as it is.
    fields: set[str] = field(default_factory=set)
    # Every line's UPN (pupils) or email (staff) as written, refused lines included, so that
    # a pupil whose line has a mistake is never taken for a leaver.
    keys_seen: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


class _RowProblem(Exception):
    """One cell is wrong; carries a message safe to show (no cell value)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def read_file(data: bytes, kind: str, *, today: datetime.date | None = None) -> ReadResult:
    """Decode, map headers and check every line of one export; write nothing."""
    if kind not in KINDS:
        raise ValueError("Unknown import kind; expected one of: " + ", ".join(KINDS))
    today = today or datetime.date.today()
    result = ReadResult(kind=kind)
    text = _decode(data, result)
    if text is None:
        return result
    rows = _parse(text, result)
    if rows is None:
        return result
    header, records = rows
    mapping = _map_headers(header, kind, result)
    if mapping is None:
        return result
    result.fields = {column.field for column in mapping.values()}
    key_index = next((i for i, c in mapping.items() if c.field == _KEY_FIELD.get(kind)), None)
    lines = []
    for line, cells in records:
        if key_index is not None and key_index < len(cells):
            result.keys_seen.add(_key(kind, cells[key_index]))
        row_errors: list[RowError] = []
        lines.append((line, _values(line, cells, header, mapping, kind, row_errors), row_errors))
    _check_lines(lines, kind, today, result)
    if not result.lines_read:
        result.file_errors.append("The file has a header line but no rows.")
    return result


def read_records(
    records: list[dict[str, Any]], kind: str, *, today: datetime.date | None = None
) -> ReadResult:
    """The API's and the MIS connector's rows: one dict per row, keyed by Haven's field
    names (`Column.field`, such as "upn" or "contact1_phone"), checked as a file's lines are.
    Record n is "line" n; a field no record names is left as it is on the roll."""
    if kind not in KINDS:
        raise ValueError("Unknown import kind; expected one of: " + ", ".join(KINDS))
    today = today or datetime.date.today()
    result = ReadResult(kind=kind, encoding="utf-8")
    known = {column.field: column for column in COLUMNS[kind]}
    key_field = _KEY_FIELD.get(kind)
    lines = []
    for number, record in enumerate(records, start=1):
        row_errors: list[RowError] = []
        values = {name: "" for name in known}
        if not isinstance(record, dict):
            row_errors.append(RowError(number, "", "Is not an object of named fields."))
            lines.append((number, values, row_errors))
            continue
        for name, raw in record.items():
            column = known.get(name)
            if column is None:
                if name not in result.ignored_columns:
                    result.ignored_columns.append(str(name)[:60])
                continue
            result.fields.add(name)
            text = _record_text(raw)
            if text is None:
                row_errors.append(
                    RowError(number, column.label, "Is not text, a number or a date.")
                )
            elif _looks_like_formula(text, name):
                row_errors.append(RowError(number, column.label, _FORMULA))
            else:
                values[name] = " ".join(text.split())
        if key_field and values.get(key_field):
            result.keys_seen.add(_key(kind, values[key_field]))
        lines.append((number, values, row_errors))
    missing = [c.label for c in COLUMNS[kind] if c.required and c.field not in result.fields]
    if records and missing:
        result.file_errors.append("Required fields are missing: " + ", ".join(missing) + ".")
        return result
    _check_lines(lines, kind, today, result)
    if not records:
        result.file_errors.append("There are no rows.")
    return result


_KEY_FIELD = {PUPILS: "upn", STAFF: "email"}


def _key(kind: str, raw: str) -> str:
    value = raw.strip()
    return value.upper() if kind == PUPILS else value.lower()


def _record_text(raw: Any) -> str | None:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, (str, int)):
        return str(raw)
    return None


def _check_lines(
    lines: list[tuple[int, dict[str, str], list[RowError]]],
    kind: str,
    today: datetime.date,
    result: ReadResult,
) -> None:
    checker = {PUPILS: _pupil, STAFF: _staff, MEMBERSHIPS: _membership}[kind]
    checked: list[PupilRow | StaffRow | MembershipRow] = []
    bad_lines: set[int] = set()
    for line, values, row_errors in lines:
        result.lines_read += 1
        if not row_errors:
            try:
                checked.append(checker(line, values, today))
            except _RowProblem as problem:
                row_errors.append(RowError(line, problem.column, problem.message))
        if row_errors:
            bad_lines.add(line)
            result.errors.extend(row_errors)
    _flag_duplicates(checked, kind, result, bad_lines)
    result.rows = [row for row in checked if row.line not in bad_lines]
    result.errors.sort(key=lambda e: e.line)


def _decode(data: bytes, result: ReadResult) -> str | None:
    if len(data) > MAX_BYTES:
        result.file_errors.append(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. "
            "Export only the columns listed in the guide, or split it into several files."
        )
        return None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        result.file_errors.append(
            "This is a spreadsheet workbook, not a CSV file. Save it as CSV (comma delimited)."
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        result.file_errors.append(
            "This file is saved as UTF-16. Save it as CSV UTF-8 (comma delimited) instead."
        )
        return None
    if not data.strip():
        result.file_errors.append("The file is empty.")
        return None
    text = None
    for encoding in (
        ("utf-8-sig", "cp1252") if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp1252")
    ):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        result.encoding = encoding
        break
    controls = 0 if text is None else sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if text is None or "\x00" in text or controls > len(text) // 1000:
        result.encoding = ""
        result.file_errors.append(
            "This does not look like a CSV text file. Export the report as CSV and try again."
        )
        return None
    return text


def _parse(text: str, result: ReadResult) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    result.delimiter = delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        start = 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
            else:
                records.append((line, cells))
    except csv.Error:
        result.file_errors.append(
            f"Line {reader.line_num} could not be read as CSV (a broken quote or an "
            "over-long cell). Check the file was exported as CSV."
        )
        return None
    if header is None:
        result.file_errors.append("The file is empty.")
        return None
    return header, records


def _map_headers(header: list[str], kind: str, result: ReadResult) -> dict[int, Column] | None:
    """Column position to Haven column; where two headers mean the same field, the earlier
    variant in the table (the more specific one) wins and the other is ignored."""
    rank = {
        normalise_header(variant): (column, position)
        for column in COLUMNS[kind]
        for position, variant in enumerate(column.variants)
    }
    chosen: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(header):
        found = rank.get(normalise_header(name))
        if found is None:
            if name.strip():
                result.ignored_columns.append(name.strip())
            continue
        column, position = found
        earlier = chosen.get(column.field)
        if earlier is None or position < earlier[1]:
            if earlier is not None:
                result.ignored_columns.append(header[earlier[0]].strip())
            chosen[column.field] = (index, position)
        else:
            result.ignored_columns.append(name.strip())
    fields = {column.field: column for column in COLUMNS[kind]}
    missing = [c.label for c in COLUMNS[kind] if c.required and c.field not in chosen]
    if missing:
        result.file_errors.append(
            "Required columns are missing: " + ", ".join(missing) + ". "
            "See the accepted headers in the guide."
        )
    if kind == MEMBERSHIPS and not any(f in chosen for f in MEMBERSHIP_MEMBER_FIELDS):
        result.file_errors.append(
            "A memberships file needs a Pupil UPN column or a Staff email column."
        )
    if result.file_errors:
        return None
    return {index: fields[name] for name, (index, _) in chosen.items()}


def _values(
    line: int,
    cells: list[str],
    header: list[str],
    mapping: dict[int, Column],
    kind: str,
    errors: list[RowError],
) -> dict[str, str]:
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        errors.append(RowError(line, "", "This line has more cells than the header line."))
        return {}
    values = {column.field: "" for column in COLUMNS[kind]}
    for index, column in mapping.items():
        raw = cells[index] if index < len(cells) else ""
        if _looks_like_formula(raw, column.field):
            errors.append(RowError(line, header[index].strip(), _FORMULA))
            continue
        values[column.field] = " ".join(raw.split())
    return values


_FORMULA = "Starts like a spreadsheet formula (=, +, -, @ or a tab); remove that first character."


def _looks_like_formula(raw: str, field_name: str) -> bool:
    stripped = raw.lstrip(" ")
    if not stripped.startswith(FORMULA_STARTS) and not raw.startswith(("\t", "\r")):
        return False
    is_phone = field_name.endswith(("_phone", "_phone_alternative"))
    return not (is_phone and stripped[:1] in "+-" and PHONE_PATTERN.match(stripped.strip()))


def _label(kind: str, field_name: str) -> str:
    for column in COLUMNS[kind]:
        if column.field == field_name:
            return column.label
    return field_name


def _required(values: dict[str, str], kind: str, field_name: str) -> str:
    value = values[field_name]
    if not value:
        raise _RowProblem(_label(kind, field_name), "Is empty; it is required.")
    return value


def _name(values: dict[str, str], kind: str, field_name: str, *, required: bool) -> str:
    value = _required(values, kind, field_name) if required else values[field_name]
    if len(value) > MAX_NAME:
        raise _RowProblem(_label(kind, field_name), f"Is longer than {MAX_NAME} characters.")
    return value


def parse_date(value: str) -> datetime.date | None:
    """A UK date (31/01/2015, 31-01-2015 or 2015-01-31), or None when it is not one."""
    for pattern, order in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def _date(values: dict[str, str], kind: str, field_name: str) -> datetime.date | None:
    value = values[field_name]
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None or parsed.year < 1900:
        raise _RowProblem(
            _label(kind, field_name),
            "Is not a date Haven can read; use dd/mm/yyyy, such as 31/01/2015.",
        )
    return parsed


def _email(value: str, column: str) -> str:
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise _RowProblem(column, "Is not an email address.")
    return value.lower()


def _pupil(line: int, values: dict[str, str], today: datetime.date) -> PupilRow:
    upn = _required(values, PUPILS, "upn").upper()
    if not UPN_PATTERN.match(upn):
        raise _RowProblem("UPN", "Is not a UPN: a letter followed by twelve digits.")
    born = _date(values, PUPILS, "date_of_birth")
    if born is None:
        raise _RowProblem("Date of birth", "Is empty; it is required.")
    if born > today:
        raise _RowProblem("Date of birth", "Is in the future.")
    admitted = _date(values, PUPILS, "admission_date")
    left = _date(values, PUPILS, "leaving_date")
    if admitted and admitted < born:
        raise _RowProblem("Admission date", "Is before the date of birth.")
    if admitted and left and left < admitted:
        raise _RowProblem("Leaving date", "Is before the admission date.")
    gender = _GENDERS.get(normalise_header(values["gender"]))
    if gender is None:
        raise _RowProblem("Gender", "Is not one of Female, Male, Other or Not stated.")
    return PupilRow(
        line=line,
        upn=upn,
        legal_first_name=_name(values, PUPILS, "legal_first_name", required=True),
        legal_last_name=_name(values, PUPILS, "legal_last_name", required=True),
        preferred_first_name=_name(values, PUPILS, "preferred_first_name", required=False),
        preferred_last_name=_name(values, PUPILS, "preferred_last_name", required=False),
        date_of_birth=born,
        gender=gender,
        year_group=_year_group(values["year_group"]),
        form=_name(values, PUPILS, "form", required=False),
        admission_number=values["admission_number"],
        admission_date=admitted,
        leaving_date=left,
        guardians=tuple(g for slot in CONTACT_PREFIXES if (g := _guardian(values, slot))),
        sen=_sen(values["sen"]),
        eal=_yes_no(values, "eal"),
        fsm=_yes_no(values, "fsm"),
        pupil_premium=_yes_no(values, "pupil_premium"),
    )


def _sen(value: str) -> str:
    """SIMS writes N, K or E; Arbor writes the words."""
    code = _SEN.get(normalise_header(value))
    if code is None:
        raise _RowProblem("SEN", "Is not one of None (N), SEN support (K) or EHC plan (E).")
    return code


def _yes_no(values: dict[str, str], field_name: str) -> bool:
    value = values[field_name].lower()
    if value not in _YES | _NO:
        raise _RowProblem(_label(PUPILS, field_name), "Is not Yes or No.")
    return value in _YES


def _year_group(value: str) -> str:
    """SIMS says "7" where Arbor says "Year 7": both become "Year 7"."""
    key = normalise_header(value)
    match = re.fullmatch(r"(?:year|yr|y)?([0-9]{1,2})", key)
    if match:
        return f"Year {int(match.group(1))}"
    if key in {"r", "rec", "reception", "yearr"}:
        return "Reception"
    return value


def _guardian(values: dict[str, str], slot: int) -> GuardianRow | None:
    def get(part: str) -> str:
        return values[f"contact{slot}_{part}"]

    parts = ("name", "first_name", "last_name", "relationship", "phone",
             "phone_alternative", "email", "priority")  # fmt: skip
    if not any(get(part) for part in parts):
        return None
    label = f"Contact {slot}"
    name = get("name") or " ".join(p for p in (get("first_name"), get("last_name")) if p)
    if not name:
        raise _RowProblem(f"{label} name", "Is empty, but this contact has other details.")
    if len(name) > 200:
        raise _RowProblem(f"{label} name", "Is longer than 200 characters.")
    for part in ("phone", "phone_alternative"):
        if get(part) and not PHONE_PATTERN.match(get(part)):
            raise _RowProblem(f"{label} {part.replace('_', ' ')}", "Is not a phone number.")
    email = _email(get("email"), f"{label} email") if get("email") else ""
    responsibility = get("parental_responsibility").lower()
    if responsibility not in _YES | _NO:
        raise _RowProblem(f"{label} parental responsibility", "Is not Yes or No.")
    priority = get("priority") or str(slot)
    if not priority.isdigit() or not 1 <= int(priority) <= 99:
        raise _RowProblem(f"{label} priority", "Is not a whole number from 1 to 99.")
    return GuardianRow(
        name=name,
        relationship=get("relationship")[:100],
        phone=get("phone"),
        phone_alternative=get("phone_alternative"),
        email=email,
        parental_responsibility=responsibility in _YES or responsibility == "",
        priority=int(priority),
    )


def _staff(line: int, values: dict[str, str], today: datetime.date) -> StaffRow:
    email = _email(_required(values, STAFF, "email"), "Email")
    first = _name(values, STAFF, "first_name", required=True)
    last = _name(values, STAFF, "last_name", required=True)
    initials = values["initials"] or (first[:1] + last[:1])
    if len(initials) > 5 or not initials.isalpha():
        raise _RowProblem("Initials", "Should be up to five letters.")
    return StaffRow(
        line=line,
        email=email,
        first_name=first,
        last_name=last,
        initials=initials.upper(),
        job_title=values["job_title"][:100],
        role=values["role"],
    )


def _membership(line: int, values: dict[str, str], today: datetime.date) -> MembershipRow:
    group = _name(values, MEMBERSHIPS, "group", required=True)
    kind = _GROUP_KINDS.get(normalise_header(values["group_kind"]))
    if kind is None:
        raise _RowProblem("Group type", "Is not one of Year group, Form or Teaching group.")
    upn = values["upn"].upper()
    if upn and not UPN_PATTERN.match(upn):
        raise _RowProblem("Pupil UPN", "Is not a UPN: a letter followed by twelve digits.")
    email = _email(values["staff_email"], "Staff email") if values["staff_email"] else ""
    if not upn and not email:
        raise _RowProblem("Pupil UPN", "This line names neither a pupil's UPN nor a staff email.")
    return MembershipRow(
        line=line, group=group, group_kind=kind, mis_id=values["mis_id"], upn=upn,
        staff_email=email,
    )  # fmt: skip


def _flag_duplicates(
    rows: list[PupilRow | StaffRow | MembershipRow],
    kind: str,
    result: ReadResult,
    bad_lines: set[int],
) -> None:
    """A UPN (pupils) or email (staff) twice in one file: every line involved is refused."""
    if kind == MEMBERSHIPS:
        return
    key, column = ("upn", "UPN") if kind == PUPILS else ("email", "Email")
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        lines[getattr(row, key)].append(row.line)
    for found in lines.values():
        if len(found) < 2:
            continue
        for line in found:
            others = ", ".join(str(other) for other in found if other != line)
            result.errors.append(
                RowError(line, column, f"The same {column} is also on line {others}.")
            )
            bad_lines.add(line)
