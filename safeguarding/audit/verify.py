"""Checking a school's audit log: every row's hash recomputed here, in Python, independently
of the database function that wrote it, and every row checked against the one before.

An edited row no longer matches its hash; a deleted row leaves a gap in the numbering (or,
renumbered, a link that points at the wrong hash); rows moved or swapped carry hashes made
for other positions. The first break is reported.

Deleting the newest rows, or rewriting the whole chain with fresh hashes, leaves no trace in
the chain itself; the school's AuditAnchor in the public schema does (`verify_and_anchor`):
the entry it names must still be there with the hash it had when last checked.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from safeguarding.audit.models import GENESIS_HASH, AuditEvent
from tenants.models import AuditAnchor, School

# The columns the hash covers, in the order of the canonical text (audit migration 0002).
HASHED_FIELDS = (
    "seq",
    "prev_hash",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "pupil_id",
    "ip",
    "user_agent",
    "request_id",
    "detail",
)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None = None
    problem: str = ""
    head_hash: str = GENESIS_HASH

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def canonical_text(values: Sequence[object]) -> str:
    """Version 1: "v1", then per field ";~" for NULL or ";<length>:<text>"."""
    parts = ["v1"]
    for name, value in zip(HASHED_FIELDS, values, strict=True):
        text = _as_text(name, value)
        parts.append("~" if text is None else f"{len(text)}:{text}")
    return ";".join(parts)


def entry_hash(values: Sequence[object]) -> str:
    return hashlib.sha256(canonical_text(values).encode("utf-8")).hexdigest()


def verify_chain(rows: Iterable[Sequence[object]]) -> ChainReport:
    """`rows` in seq order, each the HASHED_FIELDS values followed by the stored hash."""
    count, expected_seq, previous_hash = 0, 1, GENESIS_HASH
    for row in rows:
        *values, stored_hash = row
        seq, prev_hash = values[0], values[1]
        if seq != expected_seq:
            if seq > expected_seq:
                missing = (
                    f"entry {expected_seq} is"
                    if seq == expected_seq + 1
                    else f"entries {expected_seq} to {seq - 1} are"
                )
                problem = f"{missing} missing: deleted from the log."
            else:
                problem = f"entry {seq} appears out of order."
            return ChainReport(count, expected_seq, problem)
        if prev_hash != previous_hash:
            return ChainReport(
                count,
                seq,
                f"entry {seq} does not follow entry {seq - 1}: an entry before it was "
                "changed, deleted or moved."
                if seq > 1
                else "entry 1 does not start the log: entries before it were deleted.",
            )
        if entry_hash(values) != stored_hash:
            return ChainReport(count, seq, f"entry {seq} was changed after it was written.")
        count, expected_seq, previous_hash = count + 1, seq + 1, stored_hash
    return ChainReport(count, head_hash=previous_hash)


def verify_school_log() -> ChainReport:
    """The audit log of the school the connection is on, read in one snapshot."""
    rows = (
        AuditEvent.objects.order_by("seq")
        .values_list(*HASHED_FIELDS, "hash")
        .iterator(chunk_size=5000)
    )
    return verify_chain(rows)


def verify_and_anchor(school: School) -> ChainReport:
    """Check the school's log (the connection must be on its schema) against itself and
    against its anchor; when whole, move the anchor to the new head."""
    report = verify_school_log()
    if not report.intact:
        return report
    anchor = AuditAnchor.objects.filter(school=school).first()
    if anchor is not None:
        when = timezone.localtime(anchor.checked_at).strftime("%-d %b %Y %H:%M")
        if report.entries < anchor.seq:
            return ChainReport(
                report.entries,
                report.entries + 1,
                f"the log ends at entry {report.entries}, but had {anchor.seq} entries when "
                f"checked on {when}: the newest entries were deleted.",
            )
        kept = AuditEvent.objects.filter(seq=anchor.seq).values_list("hash", flat=True).first()
        if anchor.seq and kept != anchor.hash:
            return ChainReport(
                report.entries,
                anchor.seq,
                f"entry {anchor.seq} is not the one checked on {when}: the log was rewritten.",
            )
    AuditAnchor.objects.update_or_create(
        school=school,
        defaults={"seq": report.entries, "hash": report.head_hash, "checked_at": timezone.now()},
    )
    return report


def _as_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)
