"""A security key in software, for tests: it answers WebAuthn options as a browser with a
real key would (a P-256 key, "none" attestation), so registering and elevating run through
every check the server makes: challenge, origin, relying party and signature."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


@dataclass
class SoftKey:
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    @property
    def public_key(self) -> bytes:
        """The public key in COSE form, as the server stores it."""
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def register(self, options: dict, *, origin: str, rp_id: str | None = None) -> dict:
        """The browser's answer to `navigator.credentials.create()` with these options."""
        rp_id = rp_id or options["rp"]["id"]
        client_data = _client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            _rp_hash(rp_id)
            + bytes([USER_PRESENT | USER_VERIFIED | ATTESTED])
            + struct.pack(">I", self.sign_count)
            + bytes(16)  # AAGUID: none given
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.public_key
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {"credProps": {"rk": False}},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["usb"],
            },
        }

    def sign(self, options: dict, *, origin: str, rp_id: str | None = None) -> dict:
        """The browser's answer to `navigator.credentials.get()` with these options."""
        rp_id = rp_id or options["rpId"]
        self.sign_count += 1
        client_data = _client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            _rp_hash(rp_id)
            + bytes([USER_PRESENT | USER_VERIFIED])
            + struct.pack(">I", self.sign_count)
        )
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            },
        }


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps(
        {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    ).encode()


def _rp_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()
