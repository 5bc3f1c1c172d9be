"""Security keys and passkeys (WebAuthn, with django-otp-webauthn) as a second factor.

Every host is its own relying party: the RP ID is the school's own address, so a browser
offers a key only on the school it was made for, and the one origin accepted is the
request's own. Passwordless sign-in is off (settings), so a key only ever verifies a session
that a password has already started. The settings name these callables and the helper.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.http.request import split_domain_port
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper

# Where the name a person gave a key waits between the start and the end of registering it.
NAME_KEY = "haven_key_name"
# Backup codes made with a first key, kept for the one page that shows them.
NEW_CODES_KEY = "haven_new_backup_codes"

_DEFAULT_PORTS = {"http": "80", "https": "443"}


class Refused(OTPWebAuthnApiError):
    """A key ceremony Haven will not start or finish; the detail is for the person."""

    status_code = 400
    default_code = "refused"


def relying_party_id(request: HttpRequest) -> str:
    """The host the person is on, without its port: `abbey.haven.example`."""
    host, _port = split_domain_port(request.get_host())
    return host


def relying_party_name(request: HttpRequest) -> str:
    """What the browser shows when asking for a key: the school's name, or Haven's on the
    platform host."""
    school = getattr(request, "school", None)
    return school.name if school is not None else "Haven"


def own_origin(request: HttpRequest) -> str:
    """This host's origin as a browser states it: a default port is left out."""
    scheme = "https" if request.is_secure() else "http"
    host, port = split_domain_port(request.get_host())
    if port and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


class HostHelper(WebAuthnHelper):
    """The library's helper, with the request's own origin as the only one allowed: a
    signature made for another school's page, or the platform's, is refused."""

    def get_allowed_origins(self) -> list[str]:
        return [own_origin(self.request)]
