"""Writing to a school's audit log: `record` is one INSERT; the database numbers, chains and
seals the row (audit migration 0002).

It is called on every pupil and incident page, so it does no reads of its own. It refuses a
`detail` that could carry safeguarding content: ids, booleans and short codes only, so that
no one passes a child's name or what was written about them by accident.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from haven.clients import client_ip
from safeguarding.audit.models import AuditAction, AuditEvent

# A short code: lower-case letters, digits and a little punctuation, no spaces. Names and
# sentences do not fit, which is the point.
_CODE = re.compile(r"[a-z0-9_.:-]{0,40}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_OBJECT_TYPE = re.compile(r"[a-z][a-z0-9_]{0,29}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_MAX_ITEMS = 50
_BIGINT = 2**63
_LABEL_LIMIT = AuditEvent._meta.get_field("actor_label").max_length
_USER_AGENT_LIMIT = AuditEvent._meta.get_field("user_agent").max_length


def record(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: int | None = None,
    pupil_id: int | None = None,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent | None:
    """Append one event to the current school's audit log and return it, numbered and sealed.

    - `actor` defaults to the request's signed-in user; `actor_label` to the actor's email
      (give the typed email for a failed sign-in by someone unknown).
    - `pupil_id` is the child whose file this touches, so "who viewed this child's file"
      finds it.
    - From `request`: the address (haven.clients.client_ip: the socket's, or the one the
      trusted proxies report with HAVEN_PROXY_COUNT), the user agent (truncated) and an
      X-Request-ID header when it looks like one.
    - `detail`: ids, booleans, None and short codes (or flat lists of them), under short
      keys. Anything else, such as text, raises ValueError and nothing is written.

    Inside a transaction the log stays locked for this school until it ends, so call this
    last. On the platform's own schema, which has no audit log (no school is involved),
    nothing is written and None is returned.
    """
    if connection.schema_name == get_public_schema_name():
        return None
    action = AuditAction(action).value  # ValueError for an unknown code
    if object_type and not _OBJECT_TYPE.fullmatch(object_type):
        raise ValueError("An audit object type is a short code such as 'incident'.")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not actor.is_authenticated:
        actor = None  # an anonymous visitor is nobody; the label says who they claimed to be
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=_label(actor_label or (actor.email if actor else "")),
        action=action,
        object_type=object_type,
        object_id=_id(object_id, "object_id"),
        pupil_id=_id(pupil_id, "pupil_id"),
        ip=_address(request),
        user_agent=_clean(request.META.get("HTTP_USER_AGENT", ""), _USER_AGENT_LIMIT)
        if request is not None
        else "",
        request_id=_request_id(request),
        detail=canonical_detail(detail),
    )


def loggable_id(pk: int | None) -> int | None:
    """An id asked for in a refused request, when it is one the log can hold (a positive
    bigint); otherwise None, so a refusal of an absurd id is still logged."""
    return pk if pk is not None and 0 < pk < _BIGINT else None


def canonical_detail(detail: Mapping[str, Any] | None) -> str:
    """The detail as the log stores and hashes it: JSON with sorted keys and no spaces.
    Error messages never repeat the refused value: it may be exactly what must not leak."""
    if not detail:
        return "{}"
    if not isinstance(detail, Mapping):
        raise ValueError("Audit detail is a mapping of short keys to ids and codes.")
    for key, value in detail.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("Audit detail keys are short lower-case codes.")
        if isinstance(value, list | tuple):
            if len(value) > _MAX_ITEMS:
                raise ValueError(f"Audit detail {key!r} lists more than {_MAX_ITEMS} items.")
            for item in value:
                _check_scalar(key, item)
        else:
            _check_scalar(key, value)
    return json.dumps(dict(detail), sort_keys=True, separators=(",", ":"))


def _check_scalar(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if -_BIGINT <= value < _BIGINT:
            return
        raise ValueError(f"Audit detail {key!r} holds a number out of range.")
    if isinstance(value, str) and _CODE.fullmatch(value):
        return
    raise ValueError(
        f"Audit detail {key!r} may hold only ids, booleans and short codes, never text."
    )


def _id(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -_BIGINT <= value < _BIGINT:
        raise ValueError(f"The audit {name} is a whole number.")
    return value


def _clean(text: str, limit: int) -> str:
    """Without control characters (a typed email or a user agent is the sender's choice)
    and cut to fit."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")
    return text[:limit]


def _label(email: str) -> str:
    """Emails are kept lower-case, as accounts keep them, so a search by email finds them."""
    return _clean(email.strip().lower(), _LABEL_LIMIT)


def _address(request: HttpRequest | None) -> str | None:
    return None if request is None else client_ip(request)


def _request_id(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.fullmatch(given) else ""
