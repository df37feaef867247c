"""Sending in this process: the reminders' dispatcher with the digest's channel."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.db.models.fields.related_descriptors import ManyToManyDescriptor
from django.test.utils import CaptureQueriesContext

from tests.digest.activity import SEND_AT, week_of_activity
from tests.factories import make_digest_subscription, make_meeting, make_program
from tug_portal.common.mail import message_id_domain, smtp_envelope
from tug_portal.digest import mail as digest_mail
from tug_portal.digest import planner, tasks
from tug_portal.digest.channel import DIGESTS
from tug_portal.digest.models import Digest
from tug_portal.digest.selectors import NOTHING_THIS_WEEK, digest_week_counts
from tug_portal.reminders import dispatcher

pytestmark = pytest.mark.django_db

State = Digest.State


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(SEND_AT + timedelta(minutes=1), tick=False) as traveller:
        yield traveller


def send_all():
    planner.digests_plan()
    return dispatcher.deliveries_send_batch(channel=DIGESTS)


def test_each_opted_in_subscriber_gets_one_digest_with_text_html_and_list_unsubscribe():
    program = make_program()
    week_of_activity(program)
    ann = make_digest_subscription("ann@example.com", program)
    make_digest_subscription("bob@example.com", program)

    report = send_all()
    send_all()  # again: nothing more

    assert report.sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    message = next(m for m in mail.outbox if m.to == ["ann@example.com"])
    assert message.subject == "TUG weekly digest: February 23 - March 2, 2026"
    domain = message_id_domain()
    assert message.extra_headers["Message-ID"] == f"<digest.{ann.pk}.2026-03-02@{domain}>"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        f"<{settings.SITE_URL}/subscriptions/digest/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "COMING UP IN THE NEXT 14 DAYS" in message.body
    assert "What changed: Time: 10:00 AM → 1:00 PM" in message.body
    assert "Stop the weekly digest (your reminders stay)" in message.body
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html" and "DRRS release 4.2" in html
    assert set(Digest.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_week_with_nothing_sends_nothing_and_counts_the_digests_skipped_empty():
    program = make_program()
    make_digest_subscription("ann@example.com", program)
    make_digest_subscription("bob@example.com", program)

    report = send_all()

    assert (report.sent, report.skipped, mail.outbox) == (0, 2, [])
    assert set(Digest.objects.values_list("note", flat=True)) == {NOTHING_THIS_WEEK}
    (week,) = digest_week_counts()
    assert (week["week"].isoformat(), week["sent"], week["empty"], week["failed"]) == (
        "2026-03-02",
        0,
        2,
        0,
    )


def test_subscribers_with_the_same_programs_and_systems_share_one_rendering(
    monkeypatch, smtp_backend
):
    program = make_program()
    week_of_activity(program)
    for n in range(6):
        make_digest_subscription(f"all{n}@example.com", program)
    for n in range(4):
        make_digest_subscription(f"drrs{n}@example.com", program, systems=("DRRS",))
    built, rendered = [], []
    real_build, real_render = digest_mail.build_sections, digest_mail.render_parts
    monkeypatch.setattr(
        digest_mail, "build_sections", lambda scope: built.append(scope) or real_build(scope)
    )
    monkeypatch.setattr(
        digest_mail, "render_parts", lambda *args: rendered.append(args) or real_render(*args)
    )

    assert send_all().sent == 10

    # Two distinct contents (the whole program; DRRS only): each gathered and rendered once.
    assert (len(built), len(rendered)) == (2, 2)
    bodies = {m.message.get_body(("plain",)).get_content() for m in smtp_backend.messages}
    assert len(bodies) == 10  # each with the subscriber's own links filled in


def test_bytes_sent_to_an_smtp_server_are_those_django_would_send(smtp_backend, frozen_now):
    program = make_program()
    week_of_activity(program)
    make_digest_subscription("ann@example.com", program)
    make_digest_subscription("bob@example.com", program)
    planner.digests_plan()
    digests = list(
        digest_mail.Digest.objects.select_related(
            "subscription__subscriber", "subscription__program", "subscription__digest_preference"
        ).prefetch_related("subscription__systems")
    )
    renderer = digest_mail.DigestRenderer()

    for digest in digests:
        filled = renderer.delivery_envelope(digest)
        built = smtp_envelope(renderer.delivery_message(digest))
        date_line = next(line for line in built.data.split(b"\r\n") if line.startswith(b"Date:"))
        boundary = built.data.split(b'boundary="')[1].split(b'"')[0]
        filled_boundary = filled.data.split(b'boundary="')[1].split(b'"')[0]
        expected = built.data.replace(boundary, filled_boundary)
        got_date = next(line for line in filled.data.split(b"\r\n") if line.startswith(b"Date:"))
        assert filled.data.replace(got_date, date_line) == expected
        assert filled.recipients == [digest.subscription.subscriber.email]


def test_a_bouncing_address_gets_no_digest_and_the_rest_do(smtp_backend):
    smtp_backend.reject("gone@example.com", "550 5.1.1 No such user")
    program = make_program()
    week_of_activity(program)
    for email in ("ann@example.com", "gone@example.com", "zoe@example.com"):
        make_digest_subscription(email, program)

    report = send_all()

    assert (report.sent, report.bounced) == (2, 1)
    assert sorted(m.rcpt_tos[0] for m in smtp_backend.messages) == [
        "ann@example.com",
        "zoe@example.com",
    ]


def a_batch_of_four_then_one_of_eight(measure) -> tuple:
    """Twelve digests planned, sent in a batch of four, then one of eight: `measure()` sends a
    batch; returns what it returned for each."""
    program = make_program()
    week_of_activity(program)
    for n in range(12):
        make_digest_subscription(f"member{n:02}@example.com", program)
    planner.digests_plan()
    later = SEND_AT + timedelta(days=1)
    first = list(Digest.objects.order_by("pk").values_list("pk", flat=True)[:4])
    Digest.objects.exclude(pk__in=first).update(next_attempt_at=later)
    four = measure()
    Digest.objects.filter(next_attempt_at=later).update(next_attempt_at=SEND_AT)
    return four, measure()


def test_a_batch_costs_one_query_per_digest_and_the_rest_is_fixed(smtp_backend):
    def queries_of_a_batch() -> int:
        with CaptureQueriesContext(connection) as queries:
            dispatcher.deliveries_send_batch(channel=DIGESTS)
        return len(queries)

    four, eight = a_batch_of_four_then_one_of_eight(queries_of_a_batch)

    assert eight - four == 4  # marking each one sent
    assert len(smtp_backend.messages) == Digest.objects.filter(state=State.SENT).count() == 12


def test_a_batch_builds_no_related_manager_per_digest(smtp_backend, monkeypatch):
    """Each digest's followed systems come with the batch as a list: a related manager built
    for each (Django's prefetch builds one per row, and each `.all()` another) cost a fifth
    of a digest's sending on PostgreSQL (bench row 9)."""
    built = []
    many_to_many_get = ManyToManyDescriptor.__get__

    def counted(self, instance, cls=None):
        if instance is not None:
            built.append(self)
        return many_to_many_get(self, instance, cls)

    monkeypatch.setattr(ManyToManyDescriptor, "__get__", counted)

    def managers_of_a_batch() -> int:
        built.clear()
        dispatcher.deliveries_send_batch(channel=DIGESTS)
        return len(built)

    four, eight = a_batch_of_four_then_one_of_eight(managers_of_a_batch)

    assert eight == four
    assert len(smtp_backend.messages) == Digest.objects.filter(state=State.SENT).count() == 12


@pytest.mark.parametrize(
    ("weekday", "hour", "sent_at", "span"),
    [
        # Friday 08:00 Pacific: the week since last Friday 08:00, not "week of" a Monday.
        (4, 8, datetime(2026, 3, 6, 16, 0, tzinfo=UTC), "February 27 - March 6, 2026"),
        # Monday 08:00 (the default): last Monday 08:00 to this one.
        (0, 8, datetime(2026, 3, 2, 16, 0, tzinfo=UTC), "February 23 - March 2, 2026"),
        # Sunday at midnight: seven whole days, the last one Saturday.
        (6, 0, datetime(2026, 3, 8, 8, 0, tzinfo=UTC), "March 1-7, 2026"),
    ],
)
def test_the_subject_names_the_days_the_digest_covers_in_text_and_html_alike(
    frozen_now, weekday, hour, sent_at, span
):
    program = make_program()
    week_of_activity(program)
    make_digest_subscription("ann@example.com", program, weekday=weekday, hour=hour)
    frozen_now.move_to(sent_at + timedelta(minutes=1))

    assert send_all().sent == 1

    (message,) = mail.outbox
    assert message.subject == f"TUG weekly digest: {span}"
    assert message.body.startswith(f"TUG weekly digest: {span}\n")
    (html, _) = message.alternatives[0]
    assert f"TUG weekly digest: {span}</h1>" in html
    assert "week of" not in message.body + html


def test_the_days_covered_across_a_year_end_name_both_years():
    scope = digest_mail.DigestScope(
        program_ids=(1,),
        system_ids=(),
        time_zone="Europe/Berlin",
        until=datetime(2027, 1, 4, 7, 0, tzinfo=UTC),  # Monday 08:00 in Berlin
    )

    assert digest_mail.covered_days(scope) == "December 28, 2026 - January 4, 2027"


def counts_of_the_week() -> tuple[int, int, int, int]:
    (week,) = digest_week_counts()
    return week["sent"], week["skipped"], week["replanned"], week["waiting"]


def test_a_digest_replanned_to_a_later_day_counts_as_replanned_then_sent_never_skipped(
    frozen_now,
):
    program = make_program()
    week_of_activity(program)
    ann = make_digest_subscription("ann@example.com", program)
    planner.digests_plan()  # due now, Monday 08:00
    ann.digest_preference.weekday = 1  # changed to Tuesday before the dispatch ran
    ann.digest_preference.save()

    dispatcher.deliveries_send_batch(channel=DIGESTS)
    while_waiting = counts_of_the_week()
    frozen_now.move_to(SEND_AT + timedelta(days=1, minutes=1))  # Tuesday 08:01
    sent = send_all().sent

    assert while_waiting == (0, 0, 1, 0)
    assert (sent, counts_of_the_week()) == (1, (1, 0, 0, 0))


def test_a_digest_replanned_to_a_day_already_past_counts_as_replanned_not_skipped(frozen_now):
    program = make_program()
    week_of_activity(program)
    ann = make_digest_subscription("ann@example.com", program, weekday=6)  # Sunday 08:00
    frozen_now.move_to(SEND_AT + timedelta(days=6, minutes=-30))
    planner.digests_plan()
    ann.digest_preference.weekday = 0  # Mondays from now on: this week's is long past
    ann.digest_preference.save()
    frozen_now.move_to(SEND_AT + timedelta(days=6, minutes=1))

    report = send_all()

    assert (report.sent, mail.outbox) == (0, [])
    assert counts_of_the_week() == (0, 0, 1, 0)


def test_one_mailbox_with_two_subscriptions_gets_one_digest_a_week():
    tug, cpg = make_program(), make_program(acronym="CPG")
    week_of_activity(tug)
    make_meeting(cpg, starts_at=SEND_AT + timedelta(days=3), slug="cpg-upcoming")
    make_digest_subscription("ann@example.com", tug)
    make_digest_subscription("ann@example.com", cpg)

    send_all()

    assert [m.to for m in mail.outbox] == [["ann@example.com"]]


def two_programs_one_mailbox():
    """Ann follows TUG (all of it) and, typed another way, CPG; CPG has a meeting coming up."""
    tug, cpg = make_program(), make_program(acronym="CPG")
    week_of_activity(tug)
    make_meeting(cpg, starts_at=SEND_AT + timedelta(days=3), slug="cpg-upcoming")
    ann_tug = make_digest_subscription("ann@example.com", tug)
    ann_cpg = make_digest_subscription("Ann+cpg@Example.com", cpg)
    return ann_tug, ann_cpg


def test_the_mailboxs_one_digest_has_the_sections_of_both_programs_and_says_its_link_stops_both():
    ann_tug, _ = two_programs_one_mailbox()
    make_digest_subscription("bob@example.com", ann_tug.program)  # another mailbox: TUG alone

    report = send_all()

    assert report.sent == 2
    (ann,) = [m for m in mail.outbox if m.to != ["bob@example.com"]]
    assert ann.to == ["ann@example.com"]  # both at 08:00: the first subscription's address
    assert ann.subject == "CPG, TUG weekly digest: February 23 - March 2, 2026"
    upcoming = ann.body.split("COMING UP IN THE NEXT 14 DAYS")[1].split("CHANGED SINCE")[0]
    assert "* CPG: CPG Group" in upcoming and "* TUG: TUG Group" in upcoming
    assert "What changed: Time: 10:00 AM → 1:00 PM" in ann.body
    assert "DRRS release 4.2" in ann.body
    assert "Stop the weekly digest, all of it (CPG, TUG; your reminders stay): " in ann.body
    (html, _) = ann.alternatives[0]
    assert "Stop the weekly digest, all of it</a> (CPG, TUG; your reminders stay)" in html
    domain = message_id_domain()
    assert ann.extra_headers["Message-ID"] == f"<digest.{ann_tug.pk}.2026-03-02@{domain}>"
    assert ann.extra_headers["List-Unsubscribe"].startswith(
        f"<{settings.SITE_URL}/subscriptions/digest/unsubscribe/"
    )
    (bob,) = [m for m in mail.outbox if m.to == ["bob@example.com"]]
    assert bob.subject == "TUG weekly digest: February 23 - March 2, 2026"
    assert "CPG" not in bob.body


def test_a_mailboxs_two_narrowed_subscriptions_of_one_program_get_the_union_of_their_systems():
    program = make_program()
    week_of_activity(program)  # a meeting about DRRS coming up, one about OMS moved
    make_meeting(program, starts_at=SEND_AT + timedelta(days=3), slug="tug-ems", systems=("EMS",))
    make_digest_subscription("ann@example.com", program, systems=("DRRS",))
    make_digest_subscription("Ann+oms@Example.com", program, systems=("OMS",))
    make_digest_subscription("bob@example.com", program, systems=("DRRS",))
    make_digest_subscription("cy@example.com", program, systems=("DRRS",))
    make_digest_subscription("Cy+all@Example.com", program)  # the whole program wins

    assert send_all().sent == 3

    bodies = {m.to[0]: m.body for m in mail.outbox}
    moved = "What changed: Time: 10:00 AM → 1:00 PM"
    ann, bob, cy = (bodies[f"{name}@example.com"] for name in ("ann", "bob", "cy"))
    assert "tug-upcoming" in ann and moved in ann and "tug-ems" not in ann
    assert "tug-upcoming" in bob and moved not in bob and "tug-ems" not in bob
    assert "tug-upcoming" in cy and moved in cy and "tug-ems" in cy


def test_a_mailbox_of_two_programs_is_sent_at_the_first_moment_and_never_again_that_week(
    frozen_now,
):
    ann_tug, ann_cpg = two_programs_one_mailbox()
    ann_tug.digest_preference.weekday = 2  # TUG on Wednesdays at 08:00 Pacific
    ann_tug.digest_preference.save()
    ann_cpg.digest_preference.hour = 17  # CPG on Mondays at 17:00 Berlin: 16:00 UTC, first
    ann_cpg.digest_preference.time_zone = "Europe/Berlin"
    ann_cpg.digest_preference.save()

    first, again = send_all(), send_all()
    frozen_now.move_to(SEND_AT + timedelta(days=2, minutes=1))  # Wednesday 08:01 Pacific
    wednesday = send_all()

    assert (first.sent, again.claimed, wednesday.claimed) == (1, 0, 0)
    (message,) = mail.outbox
    assert message.to == ["Ann+cpg@Example.com"]
    assert message.subject == "CPG, TUG weekly digest: February 23 - March 2, 2026"
    assert "* TUG: TUG Group" in message.body
    (digest,) = Digest.objects.all()
    assert (digest.subscription, digest.due_at, digest.state) == (ann_cpg, SEND_AT, State.SENT)


def test_planning_and_dispatching_twice_still_sends_the_mailbox_one_digest(eager_tasks):
    two_programs_one_mailbox()

    tasks.plan_digests()  # plans, and sends what is due at once
    tasks.plan_digests()
    tasks.dispatch_digests()
    tasks.send_digest_batch()

    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    assert list(Digest.objects.values_list("state", flat=True)) == [State.SENT]


def test_a_subscription_turning_the_digest_off_mid_week_leaves_the_mailboxs_digest_without_it(
    frozen_now,
):
    ann_tug, _ = two_programs_one_mailbox()
    ann_tug.digest_preference.weekday = 2  # TUG on Wednesdays
    ann_tug.digest_preference.save()
    frozen_now.move_to(SEND_AT - timedelta(minutes=30))
    planner.digests_plan()  # Monday 07:30: CPG's moment first, TUG's merged into it
    (digest,) = Digest.objects.all()
    merged_when_planned = list(digest.merged.all())

    ann_tug.digest_preference.enabled = False  # turned off before the mail went
    ann_tug.digest_preference.save()
    frozen_now.move_to(SEND_AT + timedelta(minutes=1))
    report = send_all()
    frozen_now.move_to(SEND_AT + timedelta(days=2, minutes=1))  # Wednesday: TUG's own moment
    wednesday = send_all()

    assert merged_when_planned == [ann_tug]
    assert (report.sent, wednesday.claimed) == (1, 0)
    (message,) = mail.outbox
    assert message.subject == "CPG weekly digest: February 23 - March 2, 2026"
    assert "* TUG:" not in message.body and "What changed" not in message.body
    assert list(Digest.objects.get().merged.all()) == []
