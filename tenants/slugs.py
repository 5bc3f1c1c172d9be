"""The rules a school's or trust's slug must meet: it becomes a DNS label and a schema name."""

from __future__ import annotations

import re

from tenants.errors import InvalidSlug

MAX_LENGTH = 40  # leaves room for "-training" within a 63-character DNS label
TRAINING_SUFFIX = "-training"
# A DNS label, and a PostgreSQL identifier, hold at most 63 characters.
LABEL_LENGTH = 63

_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")

# Host names the platform keeps for itself or that would confuse people reading a URL.
RESERVED = frozenset(
    {
        "www", "api", "admin", "public", "static", "media", "assets", "cdn", "mail", "smtp",
        "imap", "pop", "ftp", "app", "platform", "console", "operator", "operators", "status",
        "health", "help", "support", "docs", "blog", "haven", "trust", "trusts", "insights",
        "billing", "auth", "login", "logout", "account", "accounts", "signup", "register",
        "information-schema",
        "template", "test", "dev", "staging", "demo-template", "localhost", "internal", "ops",
    }
)  # fmt: skip


def validate_slug(slug: str) -> None:
    """Raise InvalidSlug with a message a person can act on."""
    if not slug:
        raise InvalidSlug("Enter a slug: the short name used in the school's web address.")
    if slug != slug.lower():
        raise InvalidSlug(f"Slugs are lowercase: use {slug.lower()!r} instead of {slug!r}.")
    if len(slug) > MAX_LENGTH:
        raise InvalidSlug(f"Slugs are at most {MAX_LENGTH} characters; {slug!r} has {len(slug)}.")
    if not _SHAPE.fullmatch(slug):
        raise InvalidSlug(
            f"{slug!r} is not a valid slug: use lowercase letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen (for example 'st-marys')."
        )
    if slug in RESERVED or slug.startswith("pg-"):
        raise InvalidSlug(f"{slug!r} is reserved by Haven; choose another slug.")


def schema_name_for(slug: str) -> str:
    """The PostgreSQL schema of a school. Slugs hold no underscores, so this is one-to-one."""
    return slug.replace("-", "_")


def training_slug_for(slug: str) -> str:
    """The slug of a school's training copy: `abbey` -> `abbey-training`. Longer than a
    school's own slug may be, which is why school slugs stop at MAX_LENGTH."""
    training = f"{slug}{TRAINING_SUFFIX}"
    if len(training) > LABEL_LENGTH:
        raise InvalidSlug(
            f"The training copy's address would be {training!r}, {len(training)} characters: "
            f"longer than the {LABEL_LENGTH} a web address allows."
        )
    return training
