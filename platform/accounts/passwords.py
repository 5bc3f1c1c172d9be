"""The password rules of the school (or, on the platform host, of the platform), read from
its SecuritySettings each time a password is chosen."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import SecuritySettings

# Far beyond any real passphrase; stops megabyte "passwords" from costing an Argon2 hash.
LONGEST = 128
KINDS = (
    ("a lower-case letter", str.islower),
    ("an upper-case letter", str.isupper),
    ("a digit", str.isdigit),
    ("a symbol", lambda c: not c.isalnum() and not c.isspace()),
)


def missing_kinds(password: str) -> list[str]:
    return [name for name, test in KINDS if not any(test(c) for c in password)]


class SchoolPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        rules = SecuritySettings.current()
        problems = []
        if len(password) < rules.min_length:
            problems.append(f"Use at least {rules.min_length} characters.")
        if len(password) > LONGEST:
            problems.append(f"Use at most {LONGEST} characters.")
        if rules.require_character_kinds and (missing := missing_kinds(password)):
            problems.append("Include " + _and(missing) + ".")
        if problems:
            raise ValidationError(problems, code="password_policy")

    def get_help_text(self) -> str:
        rules = SecuritySettings.current()
        text = f"At least {rules.min_length} characters"
        if rules.require_character_kinds:
            text += ", with a lower-case letter, an upper-case letter, a digit and a symbol"
        return text + ". A long phrase of unrelated words is easy to remember and hard to guess."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
