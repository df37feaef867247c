from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.factories import make_digest_subscription, make_program
from tug_portal.digest import planner
from tug_portal.digest.models import Digest, DigestPreference

pytestmark = pytest.mark.django_db

State = Digest.State
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


def rows() -> dict[str, tuple]:
    return {
        email: (week, due_at, state)
        for email, week, due_at, state in Digest.objects.values_list(
            "subscription__subscriber__email", "week", "due_at", "state"
        )
    }


def test_a_row_is_planned_within_the_hour_before_the_local_send_time_and_due_at_it():
    program = make_program()
    make_digest_subscription("ann@example.com", program)  # Monday 08:00 Pacific
    make_digest_subscription("ber@example.com", program, time_zone="Europe/Berlin", hour=17)
    monday_eight_pst = datetime(2026, 3, 2, 16, tzinfo=UTC)

    with time_machine.travel(monday_eight_pst - 2 * HOUR, tick=False):
        planner.digests_plan()
        assert rows() == {}  # Berlin's 17:00 is 16:00 UTC too: neither within the hour yet
    with time_machine.travel(monday_eight_pst - 30 * MINUTE, tick=False):
        due_now = planner.digests_plan()
        planner.digests_plan()  # again: nothing more

    assert not due_now
    assert rows() == {
        "ann@example.com": (date(2026, 3, 2), monday_eight_pst, State.PENDING),
        "ber@example.com": (date(2026, 3, 2), monday_eight_pst, State.PENDING),
    }


@pytest.mark.parametrize(
    ("monday", "utc_hour"),
    [
        (datetime(2026, 10, 26, tzinfo=UTC), 15),  # PDT, the week before clocks go back
        (datetime(2026, 11, 2, tzinfo=UTC), 16),  # PST, the week after
        (datetime(2026, 3, 2, tzinfo=UTC), 16),  # PST, the week before clocks go forward
        (datetime(2026, 3, 9, tzinfo=UTC), 15),  # PDT, the week after
    ],
)
def test_dst_weeks_keep_the_local_hour(monday, utc_hour):
    program = make_program()
    make_digest_subscription("ann@example.com", program)
    moment = monday.replace(hour=utc_hour)

    with time_machine.travel(moment + MINUTE, tick=False):
        assert planner.digests_plan()

    assert rows() == {"ann@example.com": (monday.date(), moment, State.PENDING)}


def test_only_opted_in_confirmed_subscriptions_get_a_row():
    program = make_program()
    make_digest_subscription("on@example.com", program)
    make_digest_subscription("off@example.com", program, enabled=False)
    make_digest_subscription("left@example.com", program, status="unsubscribed")
    make_digest_subscription("new@example.com", program, status="unconfirmed")

    with time_machine.travel(datetime(2026, 3, 2, 16, 1, tzinfo=UTC), tick=False):
        planner.digests_plan()

    assert list(rows()) == ["on@example.com"]


def test_turned_off_before_sending_skips_the_row_and_on_again_brings_it_back():
    program = make_program()
    subscription = make_digest_subscription("ann@example.com", program)
    with time_machine.travel(datetime(2026, 3, 2, 15, 45, tzinfo=UTC), tick=False):
        planner.digests_plan()
        DigestPreference.objects.update(enabled=False)
        planner.digests_plan()
        assert rows()["ann@example.com"][2] == State.SKIPPED
        DigestPreference.objects.update(enabled=True)
        planner.digests_plan()

    assert Digest.objects.get(subscription=subscription).state == State.PENDING


def test_a_changed_hour_moves_the_waiting_row_and_a_sent_row_is_never_planned_again():
    program = make_program()
    make_digest_subscription("ann@example.com", program)
    with time_machine.travel(datetime(2026, 3, 2, 15, 45, tzinfo=UTC), tick=False):
        planner.digests_plan()
        DigestPreference.objects.update(hour=9)  # 17:00 UTC: within the next hour and a half
    with time_machine.travel(datetime(2026, 3, 2, 16, 30, tzinfo=UTC), tick=False):
        planner.digests_plan()
    assert rows()["ann@example.com"][1] == datetime(2026, 3, 2, 17, tzinfo=UTC)

    Digest.objects.update(state=State.SENT)
    DigestPreference.objects.update(hour=10)
    with time_machine.travel(datetime(2026, 3, 2, 17, 30, tzinfo=UTC), tick=False):
        planner.digests_plan()
    assert Digest.objects.count() == 1
    assert rows()["ann@example.com"][2] == State.SENT


def test_two_spellings_of_one_mailbox_get_one_row_carrying_both_subscriptions():
    program, cpg = make_program(), make_program(acronym="CPG")
    ann = make_digest_subscription("ann@example.com", program)
    also_ann = make_digest_subscription('"Ann+tug"@Example.COM', program, systems=("DRRS",))
    ann_cpg = make_digest_subscription("ann+cpg@example.com", cpg)
    make_digest_subscription("bob@example.com", program)

    with time_machine.travel(datetime(2026, 3, 2, 15, 45, tzinfo=UTC), tick=False):
        planner.digests_plan()
        planner.digests_plan()  # again: nothing more

    digest = Digest.objects.get(mailbox="ann@example.com")
    assert digest.subscription == ann  # all at 08:00: the first subscription
    assert set(digest.merged.all()) == {also_ann, ann_cpg}
    assert sorted(Digest.objects.values_list("mailbox", flat=True)) == [
        "ann@example.com",
        "bob@example.com",
    ]


def test_a_mailboxs_row_passes_to_its_next_subscription_when_the_first_turns_the_digest_off():
    ann_tug = make_digest_subscription("ann@example.com", make_program())  # Mondays 08:00
    ann_cpg = make_digest_subscription(
        "Ann@example.com", make_program(acronym="CPG"), weekday=2
    )  # Wednesdays 08:00
    with time_machine.travel(datetime(2026, 3, 2, 15, 45, tzinfo=UTC), tick=False):
        planner.digests_plan()
        planned = Digest.objects.values_list("subscription", "due_at").get()
        DigestPreference.objects.filter(subscription=ann_tug).update(enabled=False)
        planner.digests_plan()
        waiting = Digest.objects.values_list("state", "note").get()
    with time_machine.travel(datetime(2026, 3, 4, 15, 45, tzinfo=UTC), tick=False):
        planner.digests_plan()

    assert planned == (ann_tug.pk, datetime(2026, 3, 2, 16, tzinfo=UTC))
    assert waiting == (State.SKIPPED, planner.TURNED_OFF)
    digest = Digest.objects.get()
    assert (digest.subscription, digest.due_at, digest.state) == (
        ann_cpg,
        datetime(2026, 3, 4, 16, tzinfo=UTC),
        State.PENDING,
    )
    assert list(digest.merged.all()) == []
