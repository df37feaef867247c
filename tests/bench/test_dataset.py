"""The bench's dataset builder at a tiny scale: exact counts, real calendar state, and the same
data from the same seed. (The full scale is what `make bench` builds; nothing here is timed.)"""

from datetime import UTC, date, datetime

import pytest
import time_machine

from bench.dataset import SERIES, Size, build_dataset, series_dates
from tug_portal.meetings.models import AgendaTopic, Meeting
from tug_portal.reminders.models import Subscription

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 25, 12, tzinfo=UTC)
# The uid the seeded generator gives the first RUG meeting at this date and scale.
UID = "ed49cce3-1901-41a7-860c-1b6122554b6e"


@pytest.fixture
def tiny_dataset():
    with time_machine.travel(TODAY, tick=False):
        return build_dataset(scale=0.01, progress=False)


def test_size_at_full_scale_is_the_issue_s_ten_year_dataset():
    assert Size.at(1.0) == Size(meetings_per_program=260, announcements=200, subscribers=10_000)


def test_size_at_tiny_scale_keeps_at_least_two_meetings_per_program():
    assert Size.at(0.001) == Size(meetings_per_program=2, announcements=1, subscribers=10)


def test_series_dates_are_biweekly_on_the_anchor_weekday_and_end_a_year_ahead():
    tug = SERIES[0]

    dates = series_dates(tug, count=3, today=date(2026, 11, 25))

    assert dates == [date(2027, 10, 19), date(2027, 11, 2), date(2027, 11, 16)]
    assert {day.weekday() for day in dates} == {tug.anchor.weekday()}


def test_build_dataset_tiny_scale_counts_seed_plus_generated_rows(tiny_dataset):
    # The seed (load_demo): 11 meetings (3 held, 8 upcoming), 15 topics, 12 dial-ins, 2
    # announcements. Generated: 5 programs x 3 meetings (the last 2 of each are drafts), 8
    # topics and 3 dial-ins each; 2 announcements; 100 subscribers.
    assert tiny_dataset == {
        "programs": 5,
        "meetings": 26,
        "published_meetings": 16,
        "topics": 135,
        "meeting_dial_ins": 57,
        "announcements": 4,
        "confirmed_subscribers": 100,
    }


def test_build_dataset_keeps_the_seed_meeting_page(tiny_dataset):
    seed = Meeting.objects.get(slug="tug-2018-10-16")

    assert seed.topics.count() == 3
    assert seed.is_published


def test_build_dataset_syncs_calendar_state_of_every_meeting(tiny_dataset):
    assert not Meeting.objects.filter(calendar_snapshot={}).exists()
    assert not Meeting.objects.filter(calendar_changed_at__isnull=True).exists()


def test_build_dataset_topic_bodies_are_markdown_with_systems_and_facilitators(tiny_dataset):
    topic = AgendaTopic.objects.get(meeting__slug="rug-2027-10-20", order=2)

    assert topic.body.startswith("- The ISO is planning to ")
    assert "<strong>" in topic.body_html
    assert topic.systems.count() == 1
    assert 1 <= topic.facilitators.count() <= 2


def test_build_dataset_subscribes_everyone_to_tug(tiny_dataset):
    confirmed = Subscription.objects.filter(status=Subscription.Status.CONFIRMED)

    assert confirmed.filter(program__slug="tug").count() == 100
    assert confirmed.exclude(program__slug="tug").count() == 36


def test_build_dataset_draws_everything_from_one_seed(tiny_dataset):
    # Same seed, same data: a bench run measures what the previous one did.
    meeting = Meeting.objects.get(slug="rug-2027-10-20")

    assert (str(meeting.uid), meeting.status) == (UID, "scheduled")
