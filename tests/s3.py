"""A real S3 API on loopback (moto's server) for the tests that store files in a bucket.
moto keeps its buckets in the process, so one server serves the whole run."""

from __future__ import annotations

import boto3

BUCKET = "haven-test-files"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def client(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="eu-west-2",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


def school_storage(settings, endpoint: str) -> None:
    """Point the default storage (schools' files) at the bucket."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tenants.storage.SchoolS3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": endpoint, **CREDENTIALS},
        },
    }
