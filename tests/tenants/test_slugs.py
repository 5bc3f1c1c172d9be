from __future__ import annotations

import pytest

from tenants.errors import InvalidSlug
from tenants.slugs import schema_name_for, validate_slug


@pytest.mark.parametrize("slug", ["abbey", "st-marys", "school2", "a1-b2-c3"])
def test_lowercase_letters_digits_and_single_hyphens_are_accepted(slug):
    validate_slug(slug)


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Abbey", "lowercase: use 'abbey'"),
        ("ABBEY", "lowercase"),
        ("www", "reserved"),
        ("api", "reserved"),
        ("admin", "reserved"),
        ("public", "reserved"),
        ("pg-catalogue", "reserved"),
        ("st_marys", "not a valid slug"),
        ("st--marys", "not a valid slug"),
        ("-abbey", "not a valid slug"),
        ("abbey-", "not a valid slug"),
        ("2abbey", "not a valid slug"),
        ("abbey.college", "not a valid slug"),
        ("", "Enter a slug"),
        ("a" * 41, "at most 40"),
    ],
)
def test_invalid_slugs_are_refused_with_a_reason(slug, message):
    with pytest.raises(InvalidSlug, match=message):
        validate_slug(slug)


def test_schema_names_replace_hyphens_which_slugs_cannot_confuse():
    assert schema_name_for("st-marys") == "st_marys"
    with pytest.raises(InvalidSlug):
        validate_slug("st_marys")
