"""Reading an MIS export into checked rows: both layouts, encodings and every kind of bad input."""

from __future__ import annotations

import dataclasses
import datetime
import random
from pathlib import Path

import pytest

from safeguarding.imports.columns import COLUMNS, KINDS, header_reference, normalise_header
from safeguarding.imports.reading import MAX_BYTES, read_file

EXAMPLES = Path(__file__).parent / "examples"
ROOT = Path(__file__).resolve().parents[3]
TODAY = datetime.date(2026, 11, 23)
HEADER = "UPN,Legal Surname,Legal Forename,DOB\r\n"


def read(text: str, kind: str = "pupils", encoding: str = "utf-8"):
    return read_file(text.encode(encoding), kind, today=TODAY)


def example(name: str, kind: str):
    return read_file((EXAMPLES / name).read_bytes(), kind, today=TODAY)


def test_sims_and_arbor_exports_of_the_same_pupils_give_the_same_rows():
    sims, arbor = example("sims_pupils.csv", "pupils"), example("arbor_pupils.csv", "pupils")
    assert sims.ok and arbor.ok
    assert sims.encoding_label == "UTF-8 with BOM" and arbor.encoding_label == "UTF-8"
    ignore = {"line", "admission_number"}

    def comparable(rows):
        return [{k: v for k, v in dataclasses.asdict(r).items() if k not in ignore} for r in rows]

    assert len(sims.rows) == 6
    assert comparable(sims.rows) == comparable(arbor.rows)
    first = sims.rows[0]
    assert first.upn.startswith("Z") and first.year_group.startswith("Year ")
    assert first.guardians[0].priority == 1 and "@" in first.guardians[0].email


def test_windows_1252_file_is_read_and_says_so():
    result = example("windows1252_pupils.csv", "pupils")
    assert result.ok
    assert result.encoding == "cp1252"
    assert result.rows[0].legal_first_name == "Zo\u00eb"
    assert result.rows[0].legal_last_name == "Lef\u00e8vre"


def test_staff_and_membership_examples_read_cleanly():
    staff = example("staff.csv", "staff")
    assert staff.ok and len(staff.rows) == 5
    assert staff.ignored_columns == ["Title"]
    memberships = example("memberships.csv", "memberships")
    assert memberships.ok
    assert [r.group_kind for r in memberships.rows] == ["teaching", "teaching", "year"]


def test_missing_required_columns_refuse_the_file_and_name_them():
    result = read("UPN,Surname,Shoe size\r\nZ900000000001,Smith,9\r\n")
    assert result.rows == []
    assert result.file_errors == [
        "Required columns are missing: Legal first name, Date of birth. "
        "See the accepted headers in the guide."
    ]
    assert "Shoe size" in result.ignored_columns


def test_headers_are_matched_ignoring_case_spaces_and_punctuation():
    result = read(
        "u.p.n; LEGAL_SURNAME; legal forename; D.O.B.\r\nz900000000001;Ash;Kit;1/2/2015\r\n"
    )
    assert result.ok and result.delimiter == ";"
    assert result.rows[0].upn == "Z900000000001"
    assert result.rows[0].date_of_birth == datetime.date(2015, 2, 1)


def test_tab_separated_file_is_read():
    result = read(
        "UPN\tSurname\tForename\tDate of birth\r\nZ900000000001\tAsh\tKit\t2015-02-01\r\n"
    )
    assert result.ok and result.delimiter == "\t"


def test_duplicated_upn_is_flagged_on_every_line_involved():
    result = read(
        HEADER + "Z900000000001,Ash,Kit,01/02/2015\r\nZ900000000002,Birch,Lee,01/02/2015\r\n"
        "z900000000001,Cole,Sam,01/02/2015\r\n"
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "UPN"), (4, "UPN")]
    assert result.errors[0].message == "The same UPN is also on line 4."
    assert [r.upn for r in result.rows] == ["Z900000000002"]


def test_invalid_and_future_dates_are_row_errors_that_do_not_echo_the_cell():
    result = read(
        HEADER + "Z900000000001,Ash,Kit,31/02/2015\r\nZ900000000002,Birch,Lee,2015/02/01\r\n"
        "Z900000000003,Cole,Sam,24/11/2026\r\nZ900000000004,Dee,Jo,23-11-2026\r\n"
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "Date of birth"), (3, "Date of birth"), (4, "Date of birth")
    ]  # fmt: skip
    assert result.errors[2].message == "Is in the future."
    cells = ("31/02/2015", "2015/02/01", "24/11/2026")
    assert all(cell not in e.message for e in result.errors for cell in cells)
    assert [r.upn for r in result.rows] == ["Z900000000004"]


def test_malformed_upn_is_a_row_error_and_lowercase_is_normalised():
    result = read(HEADER + "Z90000000001,Ash,Kit,01/02/2015\r\nz900000000002,Lee,Al,01/02/2015\r\n")
    assert [(e.line, e.column) for e in result.errors] == [(2, "UPN")]
    assert result.rows[0].upn == "Z900000000002"


def test_formula_looking_cells_are_refused_but_a_phone_may_start_with_plus():
    header = "UPN,Surname,Forename,DOB,Contact 1 Name,Contact 1 Telephone\r\n"
    result = read(
        header + 'Z900000000001,"=HYPERLINK(""x"")",Kit,01/02/2015,Jo Ash,+44 7700 900123\r\n'
        "Z900000000002,Birch,@SUM(A1),01/02/2015,Al Birch,07700 900124\r\n"
        "Z900000000003,Cole,Sam,01/02/2015,Mo Cole,+cmd|calc\r\n"
        "Z900000000004,Dee,Jo,01/02/2015,Di Dee,+44 7700 900125\r\n"
    )
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "Surname"), (3, "Forename"), (4, "Contact 1 Telephone")
    ]  # fmt: skip
    assert all("HYPERLINK" not in e.message for e in result.errors)
    assert result.rows[0].guardians[0].phone == "+44 7700 900125"


def test_random_bytes_are_refused_as_not_a_text_file():
    noise = random.Random(1).randbytes(64 * 1024)
    result = read_file(noise, "pupils", today=TODAY)
    assert result.file_errors == [
        "This does not look like a CSV text file. Export the report as CSV and try again."
    ]
    assert result.rows == [] and result.encoding == ""


def test_an_excel_workbook_is_refused_with_a_hint_to_save_as_csv():
    result = read_file(b"PK\x03\x04" + b"\x00" * 100, "pupils")
    assert "Save it as CSV" in result.file_errors[0]


def test_a_file_over_the_size_cap_is_refused_before_reading():
    big = b"a" * (MAX_BYTES + 1)
    result = read_file(big, "pupils")
    assert result.file_errors and "larger than 20 MB" in result.file_errors[0]


def test_empty_and_header_only_files_are_refused():
    assert read_file(b"", "pupils").file_errors == ["The file is empty."]
    assert read(HEADER).file_errors == ["The file has a header line but no rows."]


def test_staff_need_a_valid_email_and_duplicates_are_flagged_on_both_lines():
    result = read(
        "Email,First Name,Last Name\r\nann.ash@school.example,Ann,Ash\r\nnot-an-email,Bo,Birch\r\n"
        "ANN.ASH@school.example,Ann,Ashe\r\n,Cy,Cole\r\n",
        "staff",
    )
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, "Email", "The same Email is also on line 4."),
        (3, "Email", "Is not an email address."),
        (4, "Email", "The same Email is also on line 2."),
        (5, "Email", "Is empty; it is required."),
    ]
    assert result.rows == []


def test_a_broken_quote_refuses_the_file():
    result = read(HEADER + 'Z900000000001,"Ash"x,Kit,01/02/2015\r\n')
    assert result.file_errors and "could not be read as CSV" in result.file_errors[0]


def test_no_two_header_variants_of_one_kind_collide():
    for kind in KINDS:
        keys = [normalise_header(v) for c in COLUMNS[kind] for v in c.variants]
        assert len(keys) == len(set(keys)), kind


def test_readme_lists_the_accepted_headers_from_the_table():
    assert header_reference() in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("kind", ["pupil", ""])
def test_an_unknown_kind_is_a_programming_error(kind):
    with pytest.raises(ValueError, match="Unknown import kind"):
        read_file(b"x", kind)
