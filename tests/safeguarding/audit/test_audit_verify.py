"""`haven audit-verify` passes on an untouched log and names the first broken entry after
an edit, a deletion or a reordering made as a database superuser (the tests' own user),
who can switch the triggers off."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safeguarding.audit.models import AuditAction, AuditEvent
from safeguarding.audit.services import record
from safeguarding.audit.verify import HASHED_FIELDS, entry_hash
from tenants.models import AuditAnchor
from tenants.services import onboard_school


def _verify(slug: str | None = "abbey") -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    arguments = {"school": slug} if slug else {}
    call_command("audit_verify", stdout=out, stderr=err, **arguments)
    return out.getvalue(), err.getvalue()


def _broken(slug: str = "abbey") -> str:
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify", school=slug, stdout=StringIO(), stderr=err)
    assert failed.value.returncode == 1
    return err.getvalue()


def _as_superuser(*statements: str) -> None:
    """Triggers off for this transaction only (the test's, rolled back afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@pytest.fixture
def five_entries(abbey):
    with abbey:
        for pupil in range(1, 6):
            record(
                action=AuditAction.PUPIL_VIEWED,
                actor_label="lead@abbey.example",
                object_type="pupil",
                object_id=pupil,
                pupil_id=pupil,
            )


def test_a_fresh_school_passes(db):
    onboard_school(slug="fresh-audit", name="Fresh", admin_email="d@fresh.example")
    out, _ = _verify("fresh-audit")
    assert out.strip() == "Audit log of fresh-audit: 0 entries, chain intact."


def test_an_untouched_log_passes(abbey, five_entries):
    out, err = _verify()
    assert out.strip() == "Audit log of abbey: 5 entries, chain intact."
    assert err == ""


def test_without_a_school_every_school_is_checked(abbey, five_entries):
    out, _ = _verify(None)
    assert "Audit log of abbey: 5 entries, chain intact." in out
    assert "Audit log of westleigh:" in out


def test_an_unknown_school_is_refused(db):
    with pytest.raises(CommandError, match="no school with the slug 'nowhere'"):
        _verify("nowhere")


def test_an_edited_entry_is_found(abbey, five_entries):
    with abbey:
        _as_superuser("UPDATE audit_auditevent SET pupil_id = 99 WHERE seq = 3")
    message = _broken()
    assert "BROKEN at entry 3: entry 3 was changed after it was written." in message
    assert "Entries 1 to 2 are intact." in message


def test_an_edit_resealed_with_a_fresh_hash_breaks_the_next_link(abbey, five_entries):
    with abbey:
        _as_superuser("UPDATE audit_auditevent SET pupil_id = 99 WHERE seq = 3")
        resealed = entry_hash(AuditEvent.objects.values_list(*HASHED_FIELDS).get(seq=3))
        _as_superuser(f"UPDATE audit_auditevent SET hash = '{resealed}' WHERE seq = 3")
    assert "BROKEN at entry 4: entry 4 does not follow entry 3" in _broken()


def test_a_deleted_entry_is_found(abbey, five_entries):
    with abbey:
        _as_superuser("DELETE FROM audit_auditevent WHERE seq = 2")
    assert "BROKEN at entry 2: entry 2 is missing: deleted from the log." in _broken()


def test_a_deleted_and_renumbered_entry_is_found(abbey, five_entries):
    with abbey:
        _as_superuser(
            "DELETE FROM audit_auditevent WHERE seq = 2",
            "UPDATE audit_auditevent SET seq = seq - 1 WHERE seq > 2",
        )
    assert "BROKEN at entry 2: entry 2 does not follow entry 1" in _broken()


def test_two_entries_with_their_contents_swapped_are_found(abbey, five_entries):
    with abbey:
        _as_superuser(
            "UPDATE audit_auditevent a SET object_id = b.object_id, pupil_id = b.pupil_id"
            " FROM audit_auditevent b WHERE (a.seq, b.seq) IN ((2, 4), (4, 2))"
        )
    assert "BROKEN at entry 2: entry 2 was changed after it was written." in _broken()


def test_two_entries_moved_into_each_others_places_are_found(abbey, five_entries):
    with abbey:
        _as_superuser(
            "UPDATE audit_auditevent SET seq = -2 WHERE seq = 2",
            "UPDATE audit_auditevent SET seq = 2 WHERE seq = 4",
            "UPDATE audit_auditevent SET seq = 4 WHERE seq = -2",
        )
    assert "BROKEN at entry 2: entry 2 does not follow entry 1" in _broken()


def test_every_school_is_checked_and_the_broken_one_named(abbey, five_entries):
    with abbey:
        _as_superuser("UPDATE audit_auditevent SET action = 'export' WHERE seq = 5")
    err = StringIO()
    with pytest.raises(CommandError, match="schools have a broken audit log"):
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert "Audit log of abbey: BROKEN at entry 5" in err.getvalue()


def test_the_newest_entries_cut_off_after_a_check_are_found(abbey, five_entries):
    _verify()
    with abbey:
        _as_superuser("DELETE FROM audit_auditevent WHERE seq >= 4")
    message = _broken()
    assert "BROKEN at entry 4: the log ends at entry 3, but had 5 entries" in message
    assert "the newest entries were deleted" in message


def test_a_log_rewritten_from_the_start_after_a_check_is_found(abbey, five_entries):
    """Fresh hashes for every entry pass the chain, not the anchor kept outside it."""
    _verify()
    with abbey:
        _as_superuser("UPDATE audit_auditevent SET pupil_id = pupil_id + 100")
        previous = "0" * 64
        for seq in range(1, 6):
            _as_superuser(f"UPDATE audit_auditevent SET prev_hash = '{previous}' WHERE seq = {seq}")
            previous = entry_hash(AuditEvent.objects.values_list(*HASHED_FIELDS).get(seq=seq))
            _as_superuser(f"UPDATE audit_auditevent SET hash = '{previous}' WHERE seq = {seq}")
    assert "entry 5 is not the one checked on" in _broken()


def test_a_check_moves_the_anchor_on_so_new_entries_pass(abbey, five_entries):
    _verify()
    with abbey:
        record(action=AuditAction.LOGIN, actor_label="lead@abbey.example")
    out, _ = _verify()
    assert "6 entries, chain intact." in out
    assert AuditAnchor.objects.get(school=abbey).seq == 6


def test_the_nightly_task_checks_the_school_it_runs_in(abbey, five_entries):
    from safeguarding.audit.tasks import verify_log

    with abbey:
        assert verify_log() is True
        _as_superuser("UPDATE audit_auditevent SET pupil_id = 99 WHERE seq = 3")
        assert verify_log() is False
