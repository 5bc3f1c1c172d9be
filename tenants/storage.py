"""File storage scoped to the school a request is for: every key starts with its schema.

One storage answers for both deployments: a folder per school under var/media (the default),
or an S3 bucket when HAVEN_S3_BUCKET is set, with server-side encryption requested and
private objects handed out only through short-lived signed links after a permission check.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.http import content_disposition_header
from django_tenants.files.storage import TenantFileSystemStorage
from storages.backends.s3 import S3Storage

LINK_SECONDS = 60


class SchoolFileSystemStorage(TenantFileSystemStorage):
    """var/media/<schema>/...; files are served by Haven itself after the policy agrees."""

    def private_url(self, name: str) -> str | None:
        return None


class SchoolS3Storage(S3Storage):
    def __init__(self, **options) -> None:
        config = settings.CONFIG
        options.setdefault("bucket_name", config.s3_bucket)
        options.setdefault("endpoint_url", config.s3_endpoint_url or None)
        options.setdefault("region_name", config.s3_region)
        options.setdefault("default_acl", None)
        options.setdefault("file_overwrite", False)
        options.setdefault("querystring_auth", True)
        options.setdefault("querystring_expire", LINK_SECONDS)
        options.setdefault("object_parameters", {"ServerSideEncryption": "AES256"})
        super().__init__(**options)

    def _normalize_name(self, name: str) -> str:
        # The schema is read per call, so a key can only ever be reached from its school.
        return super()._normalize_name(f"{connection.schema_name}/{name}")

    def _get_write_parameters(self, name: str, content=None) -> dict:
        """The object keeps its download name and type (from `download_name` and
        `content_type` on what is saved), so a link to it need not carry them: a file's
        name, which may be a child's, never travels in a URL."""
        parameters = super()._get_write_parameters(name, content)
        download_name = getattr(content, "download_name", None)
        if download_name:
            parameters["ContentDisposition"] = content_disposition_header(True, download_name)
        return parameters

    def private_url(self, name: str) -> str:
        """A link that works for LINK_SECONDS and downloads the file under its own name."""
        return self.url(name, expire=LINK_SECONDS)
