"""The bench's measurements, one function per row of its table, each returning its table Row(s).

A row whose part of the portal does not exist yet says "not available yet"; a row that breaks
says "failed" with the error, and the other rows still run.
"""

import functools
import importlib
import statistics
import traceback
from dataclasses import dataclass

from django.urls import Resolver404, resolve

from . import fanout, load, memory, search_load, uncached_pages, wsgi_client
from .ical_baseline import bare_build, plain_calendar
from .profiling import write_profile
from .table import MISSED, Row, Target
from .timing import compare

BASELINE_URL = "/healthz"
SEED_MEETING_URL = "/meetings/tug-2018-10-16/"
PAGES = ("/", "/programs/tug/", SEED_MEETING_URL, "/announcements/")
FEED_URL = "/calendar/all.ics"
PAGE_TARGET = Target("<=", 3)
FEED_TARGET = Target("<=", 1.5)
NOT_MODIFIED_TARGET = Target("<=", 1.1)
BUILD_TARGET = Target("<=", 1.5)
FANOUT_TARGET = Target(">=", 0.5)
NO_ERRORS = Target("==", 0, of="errors")
PROFILED_MAILS = 300
PROFILED_REQUESTS = 1000  # enough samples at a 1 ms interval for a sub-millisecond request
PROFILED_SECONDS = 5  # a slower request is profiled about this long in all (not 1,000 times)


@dataclass(frozen=True)
class Settings:
    rounds: int
    per_round: int  # requests per round for rows 1-2
    load_seconds: float
    fanout_seconds: float  # the fan-out stops sending new parts after this
    page_seconds: float  # time budget of one round of a row 1 or 2 measurement
    build_seconds: float  # row 3 starts no further round after this
    http_port: int
    profile: bool  # profile the rows that miss their target (bench/profiling.py)
    search_seconds: float = 30  # row 7: the flood's length (the idle home page: a third)


def with_profile(row: Row, settings: Settings, action, *, times: int) -> Row:
    """The settled row; with --profile and a missed target, a profile of `action` noted."""
    row.settle()
    if settings.profile and row.status == MISSED:
        row.note = f"{row.note} Profile: {write_profile(row.key, action, times=times)}.".strip()
    return row


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:.0f} MB"


def budget_note(result: dict, settings: Settings) -> str:
    """A fan-out row's note when the row's budget ran out before all its mails were sent."""
    if result["mails"] >= result["planned"]:
        return ""
    return (
        f" Only {result['mails']:,} were sent ({result['rounds']} of {settings.rounds} "
        f"parts) within the row's budget of {settings.fanout_seconds:g} s."
    )


def guarded(function):
    """Turn an exception in a row's measurement into a "failed" row."""

    @functools.wraps(function)
    def run(key: str, name: str, target: Target | None, *args, **kwargs) -> Row:
        try:
            return function(key, name, target, *args, **kwargs).settle()
        except Exception as error:
            traceback.print_exc()
            return Row.failed(key, name, target, error)

    return run


def url_exists(url: str) -> bool:
    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def module_exists(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


# --- Rows 1 and 2: latency through the full stack, in this process ---------------------------


@guarded
def latency_row(key, name, target, url: str, settings: Settings, *, headers=None, expect=200):
    def measure():
        wsgi_client.get(url, headers=headers, expect=expect)

    def baseline():
        wsgi_client.get(BASELINE_URL)

    for _ in range(3):  # warm-up: templates compiled, caches filled, connections open
        measure()
        baseline()
    result = compare(
        measure,
        baseline,
        rounds=settings.rounds,
        per_round=settings.per_round,
        round_seconds=settings.page_seconds,
    )
    row = Row(
        key=key,
        name=name,
        measured=ms(result.measured),
        baseline=f"{BASELINE_URL} {ms(result.baseline)}",
        ratio=result.ratio,
        target=target,
        figures={"measured_s": result.measured, "baseline_s": result.baseline, "n": result.samples},
    )
    times = max(1, min(PROFILED_REQUESTS, int(PROFILED_SECONDS / max(result.measured, 1e-6))))
    return with_profile(row, settings, measure, times=times)


def page_rows(settings: Settings) -> list[Row]:
    rows = []
    for index, url in enumerate(PAGES):
        key, name = f"1{'abcd'[index]}", f"GET {url}"
        if not url_exists(url):
            rows.append(Row.not_available(key, name, PAGE_TARGET, f"{url} is not served yet"))
            continue
        rows.append(latency_row(key, name, PAGE_TARGET, url, settings))
    # Rows 1a-1d are what an anonymous visitor gets: after the warm-up, a page from the page
    # cache. The same pages rendered afresh (staff, the first visitor after an edit) are row 8.
    return rows


def uncached_page_rows(settings: Settings) -> list[Row]:
    """Row 8: the public pages and the admin's meeting pages rendered afresh."""
    return uncached_pages.uncached_page_rows(settings, latency_row)


def feed_serving_rows(settings: Settings) -> list[Row]:
    name_200, name_304 = f"GET {FEED_URL} (200)", f"GET {FEED_URL}, If-None-Match (304)"
    if not url_exists(FEED_URL):
        why = f"{FEED_URL} is not served yet"
        return [
            Row.not_available("2a", name_200, FEED_TARGET, why),
            Row.not_available("2b", name_304, NOT_MODIFIED_TARGET, why),
        ]
    etag = wsgi_client.get(FEED_URL).headers.get("ETag", "")
    return [
        latency_row("2a", name_200, FEED_TARGET, FEED_URL, settings),
        latency_row(
            "2b",
            name_304,
            NOT_MODIFIED_TARGET,
            FEED_URL,
            settings,
            headers={"If-None-Match": etag},
            expect=304,
        ),
    ]


# --- Row 3: building the whole archive feed ---------------------------------------------------


@guarded
def feed_build_row(key, name, target, settings: Settings):
    from tug_portal.calendars.feed_bytes import feed_content
    from tug_portal.calendars.feed_specs import FeedSpec
    from tug_portal.calendars.services import feed_build

    spec = FeedSpec(full_history=True)
    feed = feed_build(spec=spec)
    content = feed_content(feed)
    plain = plain_calendar(content)
    same = bare_build(plain) == content
    result = compare(
        lambda: feed_content(feed_build(spec=spec)),  # the bytes, as the bare build makes them
        lambda: bare_build(plain),
        rounds=settings.rounds,
        per_round=1,
        total_seconds=settings.build_seconds,
    )
    note = (
        f"{feed.event_count} events, {len(content) / 1e6:.1f} MB (the whole archive); "
        f"{result.rounds} rounds within the row's budget of {settings.build_seconds:g} s."
    )
    if not same:
        note += " The baseline's bytes differ from the feed's: check ical_baseline.py."
    row = Row(
        key=key,
        name=name,
        measured=f"{result.measured:.2f} s",
        baseline=f"bare icalendar {result.baseline:.2f} s",
        ratio=result.ratio,
        target=target,
        note=note,
        figures={
            "measured_s": result.measured,
            "baseline_s": result.baseline,
            "events": feed.event_count,
        },
    )
    return with_profile(row, settings, lambda: feed_build(spec=spec), times=1)


def feed_build_rows(settings: Settings) -> list[Row]:
    name = "build all.ics, whole archive (the task's work)"
    if not module_exists("tug_portal.calendars.services"):
        return [Row.not_available("3", name, BUILD_TARGET, "the calendars app has no builder yet")]
    return [feed_build_row("3", name, BUILD_TARGET, settings)]


# --- Row 4: reminder fan-out ------------------------------------------------------------------


@guarded
def fanout_row(key, name, target, settings: Settings):
    result = fanout.measure_fanout(rounds=settings.rounds, budget_seconds=settings.fanout_seconds)
    note = (
        f"{result['planned']:,} subscribers; planning their rows took "
        f"{result['planning_s']:.1f} s (not in the figure)."
    )
    row = Row(
        key=key,
        name=f"reminder fan-out, {result['planned']:,} subscribers, SMTP",
        measured=f"{result['portal_per_s']:.0f} mails/s",
        baseline=f"bare smtplib {result['bare_per_s']:.0f} mails/s",
        ratio=result["ratio"],
        target=target,
        note=note + budget_note(result, settings),
        figures=result,
    )
    return with_profile(row, settings, lambda: fanout.send_again(PROFILED_MAILS), times=1)


def fanout_rows(settings: Settings, subscribers_ready: bool) -> list[Row]:
    name = "reminder fan-out to SMTP"
    if not (subscribers_ready and module_exists("tug_portal.reminders.dispatcher")):
        why = "the reminders app has no dispatcher or subscriber tables yet"
        return [Row.not_available("4", name, FANOUT_TARGET, why)]
    return [fanout_row("4", name, FANOUT_TARGET, settings)]


# --- Rows 5 and 6: under load, and memory -----------------------------------------------------


def _describe_load(result: load.LoadResult) -> str:
    return (
        f"{result.rate:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
        f"{result.errors} errors"
    )


def _load_row(key: str, result: load.LoadResult, baseline: load.LoadResult) -> Row:
    path = "/" + result.url.split("/", 3)[3]
    return Row(
        key=key,
        name=f"load on {path}, {load.WORKERS} gunicorn workers",
        measured=_describe_load(result),
        baseline=f"{BASELINE_URL} {baseline.rate:.0f} req/s",
        ratio=result.rate / baseline.rate,
        target=NO_ERRORS,
        figures={
            "requests_per_s": result.rate,
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "errors": result.errors,
            "requests": result.requests,
            "baseline_requests_per_s": baseline.rate,
            "tool": result.tool,
        },
    ).settle()


def _worker_memory_row(before: dict[int, dict], after: dict[int, dict]) -> Row:
    peak = max(after, key=lambda pid: after[pid]["VmHWM"])
    idle = statistics.median(state["VmRSS"] for state in before.values())
    return Row(
        key="6b",
        name="web worker memory after the load",
        measured=f"RSS {mb(after[peak]['VmRSS'])}, peak {mb(after[peak]['VmHWM'])}",
        baseline=f"warm idle worker {mb(idle)}",
        ratio=after[peak]["VmHWM"] / idle,
        note="Ratio: the busier worker's peak over a warm worker's size before the load.",
        figures={"before_kb": before, "after_kb": after},
    ).settle()


def load_rows(settings: Settings) -> tuple[list[Row], Row, str]:
    """Rows 5a, 5b and 6b, and a note on the load generator used."""
    wrk = load.ensure_wrk()
    tool_note = "wrk" if wrk else "Python load generator (wrk could not be installed): a floor"
    with load.gunicorn(settings.http_port) as server:
        for path in (BASELINE_URL, "/", FEED_URL):
            load.warm(server.base_url + path, times=4 * load.WORKERS)
        before = {pid: memory.memory_kb(pid) for pid in server.worker_pids()}
        baseline = load.run_load(wrk, server.base_url + BASELINE_URL, settings.load_seconds)
        rows = [
            _load_row(
                key, load.run_load(wrk, server.base_url + path, settings.load_seconds), baseline
            )
            for key, path in (("5a", "/"), ("5b", FEED_URL))
        ]
        after = {pid: memory.memory_kb(pid) for pid in server.worker_pids()}
    return rows, _worker_memory_row(before, after), tool_note


@guarded
def feed_memory_row(key, name, target):
    result = memory.feed_build_memory()
    return Row(
        key=key,
        name=name,
        measured=f"peak RSS {mb(result['peak_kb'])}",
        baseline=f"same process before the build {mb(result['idle_kb'])}",
        ratio=result["peak_kb"] / result["idle_kb"],
        note=f"A process of its own builds the {result['events']}-event archive feed.",
        figures=result,
    )


# --- Row 7: a search flood -------------------------------------------------------------------

HOME_UNDER_FLOOD_TARGET = Target("<=", 3)
SEARCH_WITHIN_TIMEOUT_TARGET = Target("<=", 1)


def _statuses(counter) -> str:
    return ", ".join(
        f"{count} × {status or 'no answer'}" for status, count in sorted(counter.items())
    )


@guarded
def search_flood_row(key, name, target, result: search_load.SearchFloodResult):
    idle, loaded = result.idle_home, result.loaded_home
    return Row(
        key=key,
        name=name,
        measured=f"p99 {loaded.p99_ms:.1f} ms (p50 {loaded.p50_ms:.1f} ms, "
        f"{len(loaded.latencies)} views, {_statuses(loaded.statuses)})",
        baseline=f"idle p99 {idle.p99_ms:.1f} ms (p50 {idle.p50_ms:.1f} ms)",
        ratio=loaded.p99_ms / idle.p99_ms,
        target=target,
        figures={
            "idle_p50_ms": idle.p50_ms,
            "idle_p99_ms": idle.p99_ms,
            "loaded_p50_ms": loaded.p50_ms,
            "loaded_p99_ms": loaded.p99_ms,
            "loaded_max_ms": loaded.max_ms,
            "views": len(loaded.latencies),
            "statuses": dict(loaded.statuses),
        },
    )


@guarded
def longest_search_row(key, name, target, result: search_load.SearchFloodResult, timeout_ms):
    searches = result.searches
    return Row(
        key=key,
        name=name,
        measured=f"max {searches.max_ms:.0f} ms (p50 {searches.p50_ms:.1f} ms, p99 "
        f"{searches.p99_ms:.0f} ms; {len(searches.latencies) / result.seconds:.0f} searches/s: "
        f"{_statuses(searches.statuses)})",
        baseline=f"statement timeout {timeout_ms} ms",
        ratio=searches.max_ms / timeout_ms,
        target=target,
        note="Latency as a client sees it: queueing for a gunicorn worker included.",
        figures={
            "searches": len(searches.latencies),
            "p50_ms": searches.p50_ms,
            "p99_ms": searches.p99_ms,
            "max_ms": searches.max_ms,
            "statuses": dict(searches.statuses),
            "statement_timeout_ms": timeout_ms,
        },
    )


def search_flood_rows(settings: Settings) -> list[Row]:
    """Rows 7a and 7b: the cached home page while 8 clients flood searches, and the longest
    search against the statement timeout (on SQLite, which has none, the same bound)."""
    from django.conf import settings as django_settings

    timeout_ms = django_settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS or 2000
    clients = search_load.CLIENTS
    names = (
        f"GET / p99 while {clients} clients flood varied searches for "
        f"{settings.search_seconds:g} s",
        "longest search of that flood",
    )
    try:
        # The budgets on: the portal as deployed (bench/settings.py turns them off elsewhere).
        with load.gunicorn(settings.http_port, env={"TUG_BENCH_FAIR_USE": "1"}) as server:
            load.warm(server.base_url + "/", times=4 * load.WORKERS)
            result = search_load.measure(
                server.base_url,
                seconds=settings.search_seconds,
                idle_seconds=settings.search_seconds / 3,
                clients=clients,
            )
    except Exception as error:
        traceback.print_exc()
        return [
            Row.failed("7a", names[0], HOME_UNDER_FLOOD_TARGET, error),
            Row.failed("7b", names[1], SEARCH_WITHIN_TIMEOUT_TARGET, error),
        ]
    return [
        search_flood_row("7a", names[0], HOME_UNDER_FLOOD_TARGET, result),
        longest_search_row("7b", names[1], SEARCH_WITHIN_TIMEOUT_TARGET, result, timeout_ms),
    ]
