"""The one table mapping the column headers schools export from SIMS and Arbor to Haven fields.

Headers are compared after normalising (case, spaces and punctuation ignored), so "Date of
Birth", "date_of_birth" and "DATE OF BIRTH" are the same header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PUPILS = "pupils"
STAFF = "staff"
MEMBERSHIPS = "memberships"
KINDS = (PUPILS, STAFF, MEMBERSHIPS)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    variants: tuple[str, ...]
    required: bool = False


def normalise_header(header: str) -> str:
    """Lower case with everything but letters and digits removed: "D.O.B." becomes "dob"."""
    return re.sub(r"[^0-9a-z]", "", header.strip().lstrip("\ufeff").lower())


# A pupil's contacts: each slot's prefix is combined with each part's suffix, so
# "Contact 1 Surname" (SIMS) and "Primary Contact Last Name" (Arbor) both reach contact1.
CONTACT_PREFIXES: dict[int, tuple[str, ...]] = {
    1: ("Contact 1", "Primary Contact", "Priority 1 Contact", "Parent 1", "Guardian 1"),
    2: ("Contact 2", "Secondary Contact", "Priority 2 Contact", "Parent 2", "Guardian 2"),
}
CONTACT_PARTS: tuple[Column, ...] = (
    Column("name", "name", ("Name", "Full Name")),
    Column("first_name", "first name", ("Forename", "First Name")),
    Column("last_name", "last name", ("Surname", "Last Name")),
    Column("relationship", "relationship", ("Relationship", "Relation", "Relationship to Pupil")),
    Column("phone", "phone", ("Telephone", "Phone", "Mobile", "Mobile Phone", "Main Telephone")),
    Column("phone_alternative", "other phone",
           ("Home Telephone", "Home Phone", "Work Telephone", "Work Phone", "Other Telephone")),
    Column("email", "email", ("Email", "Email Address")),
    Column("parental_responsibility", "parental responsibility",
           ("Parental Responsibility", "Has Parental Responsibility", "PR")),
    Column("priority", "priority", ("Priority", "Contact Priority")),
)  # fmt: skip

_PUPIL_OWN_COLUMNS: tuple[Column, ...] = (
    Column("upn", "UPN", ("UPN", "Unique Pupil Number", "Pupil UPN"), required=True),
    Column("legal_first_name", "Legal first name",
           ("Legal Forename", "Legal First Name", "Forename", "First Name", "Given Name"),
           required=True),
    Column("legal_last_name", "Legal last name",
           ("Legal Surname", "Legal Last Name", "Surname", "Last Name", "Family Name"),
           required=True),
    Column("preferred_first_name", "Preferred first name",
           ("Preferred Forename", "Preferred First Name", "Preferred Name", "Known As")),
    Column("preferred_last_name", "Preferred last name",
           ("Preferred Surname", "Preferred Last Name")),
    Column("date_of_birth", "Date of birth", ("DOB", "Date of Birth", "Birth Date"),
           required=True),
    Column("gender", "Gender", ("Gender", "Sex")),
    Column("year_group", "Year group",
           ("Year", "Year Group", "NC Year", "National Curriculum Year", "Curriculum Year")),
    Column("form", "Form or class",
           ("Reg", "Reg Group", "Registration Group", "Registration Form", "Form", "Form Group",
            "Tutor Group", "Class")),
    Column("admission_number", "Admission number", ("Adno", "Admission No", "Admission Number")),
    Column("admission_date", "Admission date",
           ("Admission Date", "Date of Admission", "Entry Date", "Start Date")),
    Column("leaving_date", "Leaving date",
           ("Leaving Date", "Date of Leaving", "Leave Date", "End Date")),
    Column("sen", "SEN",
           ("SEN Status", "SEN Provision", "SEND Status", "SEN Stage", "SEN", "SEND")),
    Column("eal", "EAL",
           ("EAL", "EAL Status", "English as an Additional Language")),
    Column("fsm", "Free school meals",
           ("FSM", "FSM Eligible", "FSM Eligibility", "Free School Meals")),
    Column("pupil_premium", "Pupil premium",
           ("Pupil Premium", "Pupil Premium Indicator", "PP Eligible", "PP")),
)  # fmt: skip
_CONTACT_COLUMNS: tuple[Column, ...] = tuple(
    Column(f"contact{slot}_{part.field}", f"Contact {slot} {part.label}",
           tuple(f"{prefix} {suffix}" for prefix in prefixes for suffix in part.variants))
    for slot, prefixes in CONTACT_PREFIXES.items()
    for part in CONTACT_PARTS
)  # fmt: skip
PUPIL_COLUMNS: tuple[Column, ...] = (*_PUPIL_OWN_COLUMNS, *_CONTACT_COLUMNS)

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("email", "Email",
           ("Email", "Email Address", "Work Email", "Work Email Address", "School Email"),
           required=True),
    Column("first_name", "First name",
           ("Forename", "First Name", "Legal Forename", "Preferred Forename", "Given Name"),
           required=True),
    Column("last_name", "Last name",
           ("Surname", "Last Name", "Legal Surname", "Preferred Surname", "Family Name"),
           required=True),
    Column("initials", "Initials", ("Initials", "Staff Code", "Staff Initials")),
    Column("job_title", "Job title", ("Job Title", "Post", "Position")),
    Column("role", "Haven role", ("Role", "Haven Role")),
)  # fmt: skip

MEMBERSHIP_COLUMNS: tuple[Column, ...] = (
    Column("group", "Group",
           ("Group", "Group Name", "Class", "Class Name", "Teaching Group", "Set"),
           required=True),
    Column("group_kind", "Group type", ("Group Type", "Type", "Kind")),
    Column("mis_id", "Group code", ("Group Code", "Group ID", "MIS ID")),
    Column("upn", "Pupil UPN", ("UPN", "Unique Pupil Number", "Pupil UPN")),
    Column("staff_email", "Staff email",
           ("Staff Email", "Teacher Email", "Staff Work Email", "Email")),
)  # fmt: skip

COLUMNS: dict[str, tuple[Column, ...]] = {
    PUPILS: PUPIL_COLUMNS,
    STAFF: STAFF_COLUMNS,
    MEMBERSHIPS: MEMBERSHIP_COLUMNS,
}

# A membership row names its member by one of these; the file must have at least one.
MEMBERSHIP_MEMBER_FIELDS = ("upn", "staff_email")


def header_index(kind: str) -> dict[str, Column]:
    """Normalised header variant to its column, for one kind of file."""
    return {normalise_header(v): column for column in COLUMNS[kind] for v in column.variants}


def header_reference() -> str:
    """The accepted headers as Markdown, for the README (a test keeps the two in step)."""
    lines: list[str] = []
    for kind in KINDS:
        lines.append(f"**{kind.capitalize()}** (required columns in bold):")
        lines.append("")
        for column in COLUMNS[kind]:
            if column.field.startswith("contact"):
                continue
            label = f"**{column.label}**" if column.required else column.label
            lines.append(f"- {label}: {', '.join(column.variants)}")
        if kind == PUPILS:
            lines.append(
                "- Up to two contacts: a prefix ("
                + "; ".join(", ".join(p) for p in CONTACT_PREFIXES.values())
                + ") followed by "
                + "; ".join(", ".join(part.variants) for part in CONTACT_PARTS)
            )
        if kind == MEMBERSHIPS:
            lines.append("- Each row needs a Pupil UPN or a Staff email (or both).")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
