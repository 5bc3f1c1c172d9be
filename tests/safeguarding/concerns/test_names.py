"""Hiding pupils' names in written text: every way a name is typed becomes initials, and
nothing else changes."""

from __future__ import annotations

import pytest

from safeguarding.concerns.names import hide_names
from tests.factories import PupilFactory

AMARA = {"legal_first_name": "Amara", "legal_last_name": "Okafor", "preferred_first_name": "Mara"}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Mara Okafor (legally Amara Okafor) was upset.", "MO (legally MO) was upset."),
        ("OKAFOR and Okafor and Amara, and Mara.", "MO and MO and MO, and MO."),
        ("amara okafor told us", "MO told us"),
        ("Photo: amara_okafor.jpg, AmaraOkafor.png", "Photo: MO.jpg, MO.png"),
        ("Amaranth and Okaforia are not her.", "Amaranth and Okaforia are not her."),
        ("mara said so", "mara said so"),  # a lone lower-case word may not be a name
    ],
)
def test_each_way_of_writing_a_pupils_name_becomes_their_initials(text, shown):
    assert hide_names(text, [PupilFactory.build(**AMARA)]) == shown


def test_apostrophes_and_dashes_as_phones_type_them():
    sean = PupilFactory.build(legal_first_name="Seán", legal_last_name="O'Neill")
    curly = "Se\u00e1n O\u2019Neill; O'Neill; Neill."
    assert hide_names(curly, [sean]) == "SO; SO; SO."
    mary = PupilFactory.build(legal_first_name="Mary-Jane", legal_last_name="Smith-Jones")
    en_dash = "Mary said Smith\u2013Jones, then Jones."
    assert hide_names(en_dash, [mary]) == "MS said MS, then MS."


def test_names_that_are_also_words_are_hidden_only_when_written_as_names():
    will = PupilFactory.build(legal_first_name="William", legal_last_name="Hart",
                              preferred_first_name="Will")  # fmt: skip
    assert hide_names("Will said she will come.", [will]) == "WH said she will come."


def test_siblings_keep_their_own_initials():
    amara = PupilFactory.build(**AMARA)
    chidi = PupilFactory.build(legal_first_name="Chidi", legal_last_name="Okafor")
    assert hide_names("Chidi Okafor hit Amara Okafor.", [amara, chidi]) == "CO hit MO."


def test_a_pupil_without_names_changes_nothing():
    nameless = PupilFactory.build(legal_first_name=" ", legal_last_name="")
    assert hide_names("Nothing to hide here.", [nameless]) == "Nothing to hide here."
