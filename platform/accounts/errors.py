"""Account errors, worded for the person who made the request."""

from __future__ import annotations


class AccountError(ValueError):
    def __init__(self, message: str, *, field: str = "email") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class EmailTaken(AccountError):
    pass


class InvalidEmail(AccountError):
    pass
