"""The encrypted bundle for a school not on Haven: a zip protected with AES-256 (WinZip AES,
which 7-Zip and most archive tools open) holding the chronology PDF, the files and a
RECEIPT.txt with the link that confirms receipt, under a passphrase shown once.

A zip encrypts what its entries hold, not their names, so entries are named by number only
(`files/003.pdf`); the files' own names are inside, in FILES.txt."""

from __future__ import annotations

import io
import mimetypes
import secrets

import pyzipper

from safeguarding.transfers.selectors import FileAttachment

# Crockford's base 32: no I, L, O or U, so a passphrase read out over the phone is not
# misheard. 20 characters of 5 bits: 100 bits, in five groups of four.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP = 5, 4


def new_passphrase() -> str:
    return "-".join(
        "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS)
    )


def build_bundle(
    *,
    passphrase: str,
    chronology: bytes,
    files: list[FileAttachment],
    receipt: str,
) -> bytes:
    """The zip, every entry encrypted with AES-256 under the passphrase."""
    buffer = io.BytesIO()
    index = ["Files in this bundle, with their names as recorded:", ""]
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr("RECEIPT.txt", receipt)
        archive.writestr("chronology.pdf", chronology)
        for number, attachment in enumerate(files, start=1):
            entry = f"files/{number:03d}{_extension(attachment)}"
            archive.writestr(entry, attachment.content)
            index.append(
                f"{entry}: {attachment.name} ({attachment.size} bytes, SHA-256 {attachment.sha256})"
            )
        archive.writestr("FILES.txt", "\n".join(index) + "\n")
    return buffer.getvalue()


def _extension(attachment: FileAttachment) -> str:
    """The extension its type implies, never taken from the name (which may be a child's)."""
    return mimetypes.guess_extension(attachment.content_type) or ".bin"
