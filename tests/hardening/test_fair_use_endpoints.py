"""Fair use on the real public endpoints, real middleware and real cache, with simulated time:
who is never refused (shared addresses, hosted calendar services, a person's double clicks) and
who is (a scraper), and what a refusal looks like. The mechanism: tests/common/test_budgets.py,
test_slots.py, test_canonical.py. Run on Redis too (CACHE_URL=redis://...)."""

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tug_portal.calendars import ics_responses, services
from tug_portal.calendars.ics_responses import CalendarResponse
from tug_portal.common import fair_use, fair_use_gate
from tug_portal.meetings.models import AgendaRequest, Program
from tug_portal.reminders import tokens
from tug_portal.reminders.models import Subscriber, Subscription

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
COMPANY_NAT = "203.0.113.7"
AGENDA_REQUEST = "/programs/tug/agenda-request/?meeting=tug-2018-10-16"


@pytest.fixture
def clock(monkeypatch):
    # The requests' time is simulated too (it adds to their cost): each takes none.
    monkeypatch.setattr(fair_use, "work_clock", time.time)
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def calendar_work(monkeypatch):
    """Counts the feed bytes a request built or served: builds and calendar responses."""
    counts = {"built": 0, "served": 0}
    build, respond = services.feed_build, CalendarResponse.__init__

    def counting_build(*args, **kwargs):
        counts["built"] += 1
        return build(*args, **kwargs)

    def counting_response(self, *args, **kwargs):
        counts["served"] += 1
        respond(self, *args, **kwargs)

    monkeypatch.setattr(services, "feed_build", counting_build)
    monkeypatch.setattr(CalendarResponse, "__init__", counting_response)
    return counts


def refusals(answers) -> int:
    return sum(1 for status in answers if status == 429)


# --- Never refused --------------------------------------------------------------------------


def test_a_thousand_calendar_clients_behind_one_address_polling_for_a_day_are_never_refused(
    client, demo, clock
):
    """Each polls tug.ics without validators (as some clients do) every 15-60 minutes, from a
    random start, for a day: about 38,000 requests from one address."""
    rng = random.Random(19)
    day = 24 * 3600
    polls = []
    for _ in range(1000):
        at = rng.uniform(0, 3600)
        while at < day:
            polls.append(at)
            at += rng.uniform(15 * 60, 60 * 60)
    polls.sort()

    answers = []
    now = 0.0
    for at in polls:
        clock.shift(timedelta(seconds=at - now))
        now = at
        answers.append(client.get("/calendar/tug.ics", REMOTE_ADDR=COMPANY_NAT).status_code)

    assert len(answers) > 30_000
    assert refusals(answers) == 0
    assert set(answers) == {200}


def test_a_hosted_calendar_service_refetching_fifty_feeds_every_minute_is_never_refused(
    client, demo, clock
):
    feeds = [
        f"/calendar/{program}.ics?{query}"
        for program in ("all", "tug", "cpg")
        for query in ("", "system=DRRS", "system=OMS", "history=all", "system=DRRS&history=all")
        for alarm in ("", "&alarm=30", "&alarm=15", "&alarm=1440,15")
        for query in [query + alarm]
    ][:50]
    assert len(set(feeds)) == 50

    answers = []
    for _minute in range(60):
        for url in feeds:  # all at once, at the top of the minute: the worst case
            answers.append(client.get(url, REMOTE_ADDR="198.51.100.20").status_code)
        clock.shift(timedelta(minutes=1))

    assert len(answers) == 3000
    assert refusals(answers) == 0


def test_one_person_saving_preferences_and_double_clicking_is_never_refused(client, demo, clock):
    tug = Program.objects.get(slug="tug")
    subscriber = Subscriber.objects.create(email="ann@example.com")
    subscription = Subscription.objects.create(
        subscriber=subscriber, program=tug, status=Subscription.Status.CONFIRMED
    )
    preferences = reverse("reminders:preferences", args=[tokens.preferences_token(subscriber.pk)])
    unsubscribe = reverse("reminders:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)])
    answers = []

    for _ in range(5):  # five saves in a minute
        answers.append(client.post(preferences, {f"program_{tug.pk}": "on"}).status_code)
        clock.shift(timedelta(seconds=12))
    for _ in range(2):  # "Download .ics", double-clicked
        answers.append(client.get("/meetings/tug-2018-10-16.ics").status_code)
        clock.shift(timedelta(milliseconds=150))
    for _ in range(2):  # one-click unsubscribe, sent twice by the mail client
        answers.append(client.post(unsubscribe, {"List-Unsubscribe": "One-Click"}).status_code)
    for address in ("ann@example.com", "ann.work@example.org"):  # "Subscribe another address"
        form = {"email": address, "program": "tug"}
        answers.append(client.post("/subscriptions/new/?program=tug", form).status_code)
    for topic in ("Topic", "Topic, corrected"):  # an agenda request, sent again at once
        form = {"name": "Ada Lovelace", "email": "ada@example.com", "topic": topic}
        answers.append(client.post(AGENDA_REQUEST, form).status_code)

    assert refusals(answers) == 0
    assert answers == [302] * 5 + [200] * 4 + [302] * 4


def test_feed_fetched_twice_a_second_apart_then_polled_is_200_200_304(client, demo, clock):
    first = client.get("/calendar/tug.ics")
    clock.shift(timedelta(seconds=1))
    second = client.get("/calendar/tug.ics")
    third = client.get("/calendar/tug.ics", headers={"If-None-Match": second["ETag"]})

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 304)
    assert first["ETag"] == second["ETag"]


# --- Refused --------------------------------------------------------------------------------


def test_scraper_busting_the_cache_on_one_feed_is_refused_within_two_seconds_without_work(
    client, demo, clock, calendar_work
):
    client.get("/calendar/tug.ics", REMOTE_ADDR="192.0.2.1")  # built and stored, by anyone
    first_refused_at, refused, admitted_after = None, [], 0
    for n in range(150):  # 50 a second for 3 seconds
        before = dict(calendar_work)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/calendar/tug.ics?_={n}&limit=0{n}&", REMOTE_ADDR="192.0.2.66")
        if response.status_code == 429:
            first_refused_at = first_refused_at if first_refused_at is not None else n / 50
            refused.append((len(queries), calendar_work == before, response))
        elif first_refused_at is not None:
            admitted_after += 1
        clock.shift(timedelta(milliseconds=20))

    assert first_refused_at is not None and first_refused_at <= 2
    # From then on it gets what the budget refills: two stored answers a second.
    assert admitted_after <= 2 * (3 - first_refused_at) + 1
    assert {queries for queries, _, _ in refused} == {0}
    assert all(no_bytes for _, no_bytes, _ in refused)
    assert all(b"BEGIN:VCALENDAR" not in response.content for _, _, response in refused)


def test_feed_with_a_new_alarm_each_time_is_charged_as_full_work_and_refused(client, demo, clock):
    """Each alarm value is a splice and a compression of the whole feed: five a second, each
    with another value, spend the feeds' budget (two full answers a second) within a minute,
    where as answers from stored bytes (half a token) they never would."""
    client.get("/calendar/all.ics?history=all")  # built and stored
    answers = []
    for n in range(300):
        answers.append(client.get(f"/calendar/all.ics?history=all&alarm={n}").status_code)
        clock.shift(timedelta(milliseconds=200))

    assert refusals(answers) > 0


def test_head_of_a_feed_with_alarms_splices_nothing(client, demo, clock, monkeypatch):
    client.get("/calendar/all.ics?history=all")
    spliced = []
    splice = ics_responses.with_alarms
    monkeypatch.setattr(
        ics_responses, "with_alarms", lambda *args: spliced.append(args) or splice(*args)
    )

    head = client.head("/calendar/all.ics?history=all&alarm=17")
    get = client.get("/calendar/all.ics?history=all&alarm=17")

    assert head.status_code == get.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert len(spliced) == 1  # the GET's


def test_poll_with_a_junk_etag_over_budget_is_refused_before_the_view(
    client, demo, clock, calendar_work
):
    etag = client.get("/calendar/tug.ics")["ETag"]
    while client.get("/calendar/tug.ics").status_code != 429:
        pass

    before = dict(calendar_work)
    with CaptureQueriesContext(connection) as queries:
        junk = client.get("/calendar/tug.ics", headers={"If-None-Match": '"junk"'})
    current = client.get("/calendar/tug.ics", headers={"If-None-Match": etag})

    assert junk.status_code == 429
    assert len(queries) == 0
    assert calendar_work == before
    assert current.status_code == 304  # a client whose copy is current still gets its answer


def test_refusal_is_plain_words_with_retry_after_and_a_link_back_for_each_client(
    client, demo, clock, settings
):
    settings.TUG_FAIR_USE_BUDGETS = {
        group: {**sizes, "burst": 1, "service_burst": 1}
        for group, sizes in settings.TUG_FAIR_USE_BUDGETS.items()
    }
    client.get("/calendar/tug.ics")
    client.get("/api/v1/programs")
    client.get("/announcements/")

    text = client.get("/calendar/tug.ics")
    api = client.get("/api/v1/programs")
    page = client.get("/announcements/?kind=policy_change", headers=BROWSER)
    page = page if page.status_code == 429 else client.get("/announcements/", headers=BROWSER)

    for refused in (text, api, page):
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) >= 1
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert "Please try again in" in text.text
    assert "Retry: http://127.0.0.1:8000/calendar/tug.ics" in text.text  # the site URL
    assert api.json()["detail"].startswith("Too many requests have come from your address")
    assert '<a href="/announcements/' in page.text and "Try again" in page.text


def test_refused_form_shows_what_was_typed_and_when_to_send_it_with_nothing_done(
    client, demo, clock, settings
):
    settings.TUG_FAIR_USE_BUDGETS = {
        **settings.TUG_FAIR_USE_BUDGETS,
        "forms": {**settings.TUG_FAIR_USE_BUDGETS["forms"], "burst": 1, "service_burst": 1},
    }
    form = {"name": "Ada Lovelace", "email": "ada@example.com", "topic": "DRRS limits"}
    client.post(AGENDA_REQUEST, form)

    refused = client.post(AGENDA_REQUEST, {**form, "topic": "OMS road map"}, headers=BROWSER)
    fragment = client.post(AGENDA_REQUEST, form, headers={"HX-Request": "true"})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert 'value="OMS road map"' in refused.text
    assert "What you typed is kept below; please send it again in" in refused.text
    assert [r.topic for r in AgendaRequest.objects.all()] == ["DRRS limits"]
    assert fragment.status_code == 429
    assert fragment.text.index('role="alert"') < fragment.text.index("What you typed is kept")


def test_staff_and_health_checks_are_never_counted(client, demo, admin_user, clock, settings):
    settings.TUG_FAIR_USE_BUDGETS = {
        group: {**sizes, "burst": 1, "service_burst": 1}
        for group, sizes in settings.TUG_FAIR_USE_BUDGETS.items()
    }
    probes = [client.get("/healthz").status_code for _ in range(3)]
    client.force_login(admin_user)

    staff = [client.get("/calendar/tug.ics").status_code for _ in range(3)]

    assert probes == [200, 200, 200]
    assert staff == [200, 200, 200]


# --- Refused early: before sessions, auth and URL resolving ---------------------------------


@pytest.fixture
def small_page_budget(settings):
    settings.TUG_FAIR_USE_BUDGETS = {
        **settings.TUG_FAIR_USE_BUDGETS,
        "pages": {**settings.TUG_FAIR_USE_BUDGETS["pages"], "burst": 2, "service_burst": 2},
    }


@pytest.fixture
def resolved(monkeypatch):
    """The requests whose URL was resolved (each one that got past the early refusal)."""
    from django.core.handlers.base import BaseHandler

    paths = []
    resolve = BaseHandler.resolve_request

    def counting(self, request):
        paths.append(request.path)
        return resolve(self, request)

    monkeypatch.setattr(BaseHandler, "resolve_request", counting)
    return paths


def flood_until_refused(client, path: str, address: str) -> None:
    for _ in range(100):
        if client.get(path, REMOTE_ADDR=address).status_code == 429:
            return
    raise AssertionError(f"{address} was never refused on {path}")


def test_client_already_refused_is_refused_again_before_sessions_auth_and_urls(
    client, demo, clock, small_page_budget, resolved
):
    flood_until_refused(client, "/announcements/?kind=policy_change", "192.0.2.66")
    resolved.clear()

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/announcements/", REMOTE_ADDR="192.0.2.66", headers=BROWSER)

    assert again.status_code == 429
    assert int(again["Retry-After"]) >= 1
    assert "Please try again in" in again.text and "Try again" in again.text
    assert resolved == []
    assert len(queries) == 0
    assert not hasattr(again.wsgi_request, "session")


def test_early_refusal_is_only_for_that_address_and_group_and_ends_when_the_budget_refills(
    client, demo, clock, small_page_budget
):
    flood_until_refused(client, "/announcements/", "192.0.2.66")

    other_address = client.get("/announcements/", REMOTE_ADDR="198.51.100.9")
    other_group = client.get("/calendar/tug.ics", REMOTE_ADDR="192.0.2.66")
    clock.shift(timedelta(minutes=1))
    later = client.get("/announcements/", REMOTE_ADDR="192.0.2.66")

    assert other_address.status_code == 200
    assert other_group.status_code == 200
    assert later.status_code == 200


def test_clients_behind_a_trusted_proxy_are_refused_by_their_own_address(
    client, demo, clock, small_page_budget, settings
):
    settings.TUG_TRUSTED_PROXIES = ["127.0.0.0/8"]
    flood_until_refused_via = [
        client.get("/announcements/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.66")
        for _ in range(20)
    ]
    neighbour = client.get(
        "/announcements/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )

    assert flood_until_refused_via[-1].status_code == 429
    assert neighbour.status_code == 200


def test_early_refusal_speaks_json_to_the_api_and_lets_staff_and_polls_through(
    client, demo, clock, settings, admin_user
):
    settings.TUG_FAIR_USE_BUDGETS = {
        group: {**sizes, "burst": 1, "service_burst": 1}
        for group, sizes in settings.TUG_FAIR_USE_BUDGETS.items()
    }
    etag = client.get("/calendar/tug.ics")["ETag"]
    while client.get("/calendar/tug.ics").status_code != 429:
        pass
    while client.get("/api/v1/programs").status_code != 429:
        pass

    api = client.get("/api/v1/programs")
    poll = client.get("/calendar/tug.ics", headers={"If-None-Match": etag})
    client.force_login(admin_user)
    staff = client.get("/calendar/tug.ics")

    assert api.status_code == 429
    assert api.json()["detail"].startswith("Too many requests have come from your address")
    assert poll.status_code == 304
    assert staff.status_code == 200


# --- A client that asks again at once, refused, waits for its answer --------------------------


@pytest.fixture
def pauses(monkeypatch, settings):
    """The pauses the early refusal made, in seconds, none really slept."""
    settings.TUG_FAIR_USE_REPEAT_PAUSE_SECONDS = 0.5
    slept = []
    monkeypatch.setattr(fair_use_gate, "sleep", slept.append)
    return slept


def test_client_asking_again_at_once_waits_for_its_refusal_without_work(
    client, demo, clock, small_page_budget, pauses, resolved
):
    flood_until_refused(client, "/announcements/", "192.0.2.66")
    pauses.clear()
    resolved.clear()

    with CaptureQueriesContext(connection) as queries:
        again = [client.get("/announcements/", REMOTE_ADDR="192.0.2.66") for _ in range(3)]

    assert [response.status_code for response in again] == [429] * 3
    assert pauses == [0.5] * 3  # a flooding loop asks at most twice a second
    assert resolved == [] and len(queries) == 0


def test_pause_is_never_longer_than_the_wait_told_and_leaves_threads_for_others(
    client, demo, clock, small_page_budget, pauses, settings, monkeypatch
):
    flood_until_refused(client, "/announcements/", "192.0.2.66")
    pauses.clear()
    settings.TUG_FAIR_USE_REPEAT_PAUSE_SECONDS = 3600  # longer than any wait told
    told = int(client.get("/announcements/", REMOTE_ADDR="192.0.2.66")["Retry-After"])
    client.get("/announcements/", REMOTE_ADDR="192.0.2.66")
    waited = pauses[-1]
    monkeypatch.setattr(fair_use_gate, "_pausing", settings.TUG_FAIR_USE_REPEAT_PAUSE_THREADS)

    again = client.get("/announcements/", REMOTE_ADDR="192.0.2.66")

    assert 0 < waited <= told
    assert again.status_code == 429
    assert len(pauses) == 2  # every pausing thread taken: refused at once, no pause


def test_visitor_told_the_search_is_busy_waits_its_turn_then_is_served(
    client, demo, clock, pauses, settings
):
    search = {"q": "nalini", "when": "all"}
    settings.TUG_FAIR_USE_SLOTS = {**settings.TUG_FAIR_USE_SLOTS, "search": 0}
    busy = client.get("/", search, REMOTE_ADDR="192.0.2.70")
    settings.TUG_FAIR_USE_SLOTS = {**settings.TUG_FAIR_USE_SLOTS, "search": 1}

    again = client.get("/", search, REMOTE_ADDR="192.0.2.70")
    neighbour = client.get("/", search, REMOTE_ADDR="198.51.100.9")
    next_page = client.get("/announcements/", REMOTE_ADDR="192.0.2.70")

    assert busy.status_code == 503 and int(busy["Retry-After"]) >= 1
    assert again.status_code == 200 and "tug-2018-10-16" in again.text
    assert next_page.status_code == 200
    assert pauses == [0.5]  # the one who was told, once: served, it goes on at once
    assert neighbour.status_code == 200


@pytest.mark.parametrize(
    "disguise",
    [{"HTTP_IF_NONE_MATCH": '"junk"'}, {"HTTP_COOKIE": "sessionid=made-up"}],
    ids=["junk etag", "made-up session cookie"],
)
def test_made_up_etag_or_session_cookie_is_no_way_around_the_pause(
    client, demo, clock, small_page_budget, pauses, disguise
):
    flood_until_refused(client, "/announcements/", "192.0.2.66")
    pauses.clear()

    again = client.get("/announcements/", REMOTE_ADDR="192.0.2.66", **disguise)

    assert again.status_code == 429  # refused by the budgets, the whole way, as before
    assert pauses == [0.5]  # but only after its turn
