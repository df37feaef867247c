"""The rows made before one digest per mailbox, keyed by their mailbox (migration 0002)."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps

from tests.factories import make_digest_subscription, make_program
from tug_portal.digest.models import Digest

pytestmark = pytest.mark.django_db

State = Digest.State
WEEK, LAST_WEEK = date(2026, 3, 2), date(2026, 2, 23)
MONDAY_EIGHT = datetime(2026, 3, 2, 16, tzinfo=UTC)
migration = importlib.import_module("tug_portal.digest.migrations.0002_digest_mailbox")


def old_row(subscription, *, week=WEEK, due_at=MONDAY_EIGHT, state=State.PENDING) -> Digest:
    """A row as the planner made it before: keyed by (subscription, week), no mailbox."""
    return Digest.objects.create(
        subscription=subscription,
        week=week,
        due_at=due_at,
        expires_at=due_at + timedelta(hours=6),
        next_attempt_at=None if state == State.SENT else due_at,
        state=state,
    )


def test_existing_rows_get_their_mailbox_and_a_mailboxs_second_row_of_a_week_is_kept_unsent():
    tug, cpg = make_program(), make_program(acronym="CPG")
    ann_tug = make_digest_subscription("ann@example.com", tug)
    ann_cpg = make_digest_subscription("Ann+cpg@example.com", cpg, hour=7)
    bob_tug = make_digest_subscription("bob@example.com", tug)
    bob_cpg = make_digest_subscription("bob+cpg@example.com", cpg, hour=7)
    carl = make_digest_subscription("carl@example.com", tug)
    ann_later = old_row(ann_tug)
    ann_first = old_row(ann_cpg, due_at=MONDAY_EIGHT - timedelta(hours=1))
    bob_sent = old_row(bob_tug, state=State.SENT)  # sent already: its Message-ID is out
    bob_waiting = old_row(bob_cpg, due_at=MONDAY_EIGHT - timedelta(hours=1))
    carl_row = old_row(carl)
    history = [old_row(s, week=LAST_WEEK, state=State.SENT) for s in (ann_tug, ann_cpg)]

    migration.key_existing_rows(apps, None)

    def row(digest):
        digest.refresh_from_db()
        return digest.mailbox, digest.state, digest.note

    assert row(ann_first) == ("ann@example.com", State.PENDING, "")
    assert row(ann_later) == (None, State.SKIPPED, migration.MERGED_AWAY)
    assert row(bob_sent) == ("bob@example.com", State.SENT, "")
    assert row(bob_waiting) == (None, State.SKIPPED, migration.MERGED_AWAY)
    assert row(carl_row) == ("carl@example.com", State.PENDING, "")
    assert sorted([row(history[0]), row(history[1])], key=str) == [
        ("ann@example.com", State.SENT, ""),
        (None, State.SENT, ""),
    ]
    assert Digest.objects.count() == 7  # nothing deleted
