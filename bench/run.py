"""`python -m bench` (`make bench`): build the dataset in a throwaway database, measure the
portal against its baselines (a row each), print the table and write it to
var/bench/results.json. See README.md."""

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import environment

RESULTS = environment.VAR_DIR / "results.json"
ROW_GROUPS = ("1", "2", "3", "4", "5", "6", "7", "8", "9")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="dataset size (0.1 while developing)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each measurement")
    parser.add_argument(
        "--per-round", type=int, default=10, help="requests per round in rows 1 and 2"
    )
    parser.add_argument(
        "--load-seconds", type=float, default=20, help="length of each load run (row 5)"
    )
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=3,
        help="time budget of one round of a row 1-2 measurement",
    )
    parser.add_argument(
        "--build-seconds",
        type=float,
        default=75,
        help="row 3 starts no further round after this",
    )
    parser.add_argument(
        "--fanout-seconds",
        type=float,
        default=120,
        help="row 4 sends no further part of the fan-out after this",
    )
    parser.add_argument(
        "--search-seconds",
        type=float,
        default=30,
        help="length of the search flood (row 7; the idle home page is measured for a third)",
    )
    parser.add_argument(
        "--rows", default=",".join(ROW_GROUPS), help="which rows to run, e.g. 1,2,3"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile rows 1-4 that miss their target into var/bench/profiles/",
    )
    parser.add_argument("--http-port", type=int, default=8107, help="gunicorn's port (row 5)")
    parser.add_argument(
        "--database",
        choices=environment.DATABASE_CHOICES,
        help="sqlite: the embedded default (file cache); postgres: PostgreSQL and Redis as in "
        "CI, from DATABASE_URL and CACHE_URL or loopback defaults. Default: what "
        "DATABASE_URL says",
    )
    parser.add_argument(
        "--no-growth",
        dest="growth",
        action="store_false",
        help="measure the --scale dataset only, not also the one 4 times larger",
    )
    # Internal: one dataset size, run in a process of its own; its rows go to this file.
    parser.add_argument("--one-size", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rows = {group.strip() for group in args.rows.split(",") if group.strip()}
    if unknown := args.rows - set(ROW_GROUPS):
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    return args


def machine() -> dict:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def describe_run(context: dict) -> str:
    """ "2026-11-25T17:05:00+00:00, 2 cores, 23.5 GB, <cpu>, Python 3.11.2; sqlite, scale 1" """
    machine = context["machine"]
    return (
        f"{context['date']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['cpu']}, Python {machine['python']}; {context['database']}, "
        f"scale {context['scale']:g}"
    )


def step(message: str) -> float:
    print(f"\n== {message}", flush=True)
    return time.monotonic()


def prepare(args, database) -> dict:
    from django.core.management import call_command

    from .dataset import build_dataset

    started = step(f"Throwaway {database.engine} database {database.name}: migrating")
    call_command("migrate", verbosity=0)
    environment.clear_cache()
    started = step(f"Building the dataset (scale {args.scale:g})")
    counts = build_dataset(scale=args.scale)
    counts["build_seconds"] = round(time.monotonic() - started, 1)
    analyze_planner_statistics()
    print(", ".join(f"{name} {value:,}" for name, value in counts.items()))
    return counts


def analyze_planner_statistics() -> None:
    """On PostgreSQL, gather the planner's statistics of the new dataset, as autovacuum does in
    a deployment a minute after a bulk load. Where autovacuum is off (this machine's server,
    `SHOW autovacuum`), a dataset never analyzed was planned from defaults: one meeting's
    topics estimated at 90 rows, its facilitators read by a scan of the whole table (1.9 ms
    instead of 0.1). SQLite keeps no statistics unless asked, as a deployment would not."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def warm_up() -> None:
    """What a long-running process has done before its first timed request: every app's URLs
    imported, and the stored feed that /calendar/all.ics serves built (as the sweep does after
    a deploy)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's URLconf
    try:
        from tug_portal.calendars.feed_specs import FeedSpec
        from tug_portal.calendars.services import feed_build
    except ImportError:
        return
    feed_build(spec=FeedSpec())


def run_rows(args, counts: dict) -> tuple[list, list[str]]:
    from . import rows
    from .table import Row

    settings = rows.Settings(
        rounds=args.rounds,
        per_round=args.per_round,
        load_seconds=args.load_seconds,
        fanout_seconds=args.fanout_seconds,
        page_seconds=args.page_seconds,
        build_seconds=args.build_seconds,
        http_port=args.http_port,
        profile=args.profile,
        search_seconds=args.search_seconds,
    )
    results, notes = [], []
    if "1" in args.rows:
        step("Row 1: pages through the full stack (WSGI call, in process)")
        results += rows.page_rows(settings)
    if "2" in args.rows:
        step("Row 2: serving all.ics (WSGI call, in process)")
        results += rows.feed_serving_rows(settings)
    if "3" in args.rows:
        step("Row 3: building the whole-archive feed")
        results += rows.feed_build_rows(settings)
        from .incremental_feeds import incremental_feed_rows  # issue 17

        results += incremental_feed_rows(settings)
    if "4" in args.rows:
        step("Row 4: reminder fan-out")
        results += rows.fanout_rows(settings, "confirmed_subscribers" in counts)
    memory_row = None
    if "5" in args.rows:
        step(f"Row 5: under load, {args.load_seconds:g} s per URL (gunicorn on :{args.http_port})")
        try:
            load_results, memory_row, tool = rows.load_rows(settings)
            results += load_results
            notes.append(f"Load generator: {tool}.")
        except Exception as error:
            traceback.print_exc()
            results += [Row.failed(key, "load", rows.NO_ERRORS, error) for key in ("5a", "5b")]
    if "6" in args.rows:
        step("Row 6: peak memory")
        results.append(rows.feed_memory_row("6a", "feed build, whole archive", None))
        results.append(
            memory_row or Row.not_available("6b", "web worker memory", None, "needs row 5")
        )
    if "7" in args.rows:
        step(f"Row 7: a search flood, {args.search_seconds:g} s (gunicorn on :{args.http_port})")
        results += rows.search_flood_rows(settings)
    if "8" in args.rows:
        step("Row 8: pages rendered afresh, and the admin's meeting pages (WSGI call)")
        results += rows.uncached_page_rows(settings)
    if "9" in args.rows:
        from .digest_fanout import digest_rows

        step("Row 9: weekly digest, planned and sent")
        results += digest_rows(settings, "confirmed_subscribers" in counts)
    return results, notes


def measure_one_size(args) -> None:
    """One dataset size in this process: build it, measure the rows, and pickle (rows,
    context) into `args.one_size` for the parent process."""
    started = time.monotonic()
    database = environment.configure()
    import django

    django.setup()
    with environment.throwaway(database):
        counts = prepare(args, database)
        warm_up()
        results, notes = run_rows(args, counts)
        environment.clear_cache()
    context = {
        "database": database.engine,
        "scale": args.scale,
        "dataset": counts,
        "notes": notes,
        "seconds": round(time.monotonic() - started, 1),
    }
    args.one_size.write_bytes(pickle.dumps((results, context)))


def run_size(argv: list[str], scale: float) -> tuple[list, dict] | None:
    """Run one size in a child process (a fresh interpreter, database and memory), with the
    same options but the scale; None when it died before writing its rows."""
    out = environment.VAR_DIR / f"size-{os.getpid()}-{scale:g}.pickle"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench", *argv, "--scale", f"{scale:g}", "--one-size"]
    subprocess.run([*command, str(out)], check=False)
    if not out.exists():
        return None
    try:
        return pickle.loads(out.read_bytes())  # noqa: S301 - written by our own child
    finally:
        out.unlink(missing_ok=True)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    environment.choose_database(args.database)
    if args.one_size:
        measure_one_size(args)
        return
    started = time.monotonic()
    from .growth import GROWTH_FACTOR, as_json, combine_all, format_grown_table
    from .table import FAILED

    scales = [args.scale] + ([args.scale * GROWTH_FACTOR] if args.growth else [])
    measured = []
    for scale in scales:
        step(f"Dataset at scale {scale:g}, in a process of its own")
        result = run_size(argv, scale)
        if result is None:
            print(f"The run at scale {scale:g} died before it wrote its rows.", file=sys.stderr)
            sys.exit(1)
        measured.append(result)
    (small, small_context), *rest = measured
    large_rows = rest[0][0] if rest else None
    grown = combine_all(small, large_rows)
    seconds = time.monotonic() - started
    notes = [
        *small_context["notes"],
        "Every ratio is against a baseline measured in the same run (medians of "
        f"{args.rounds} rounds); rows 1-2 and 8 call tug_portal.wsgi.application in process.",
        "The fair-use budgets are off in every row but 7 (bench/settings.py): they would "
        "refuse a load generator asking for the same feed many times a second. Row 7 (the "
        "search flood) runs with them on, each flooding client at an address of its own.",
        f"Growth: each row's cost (its ratio; for a throughput its inverse) at scale "
        f"{scales[-1]:g} over scale {scales[0]:g}.",
        "Run took "
        + ", ".join(
            f"{context['seconds']:.0f} s at scale {context['scale']:g}" for _, context in measured
        )
        + f"; {seconds:.0f} s in all.",
    ]
    context = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": small_context["database"],
        "scale": args.scale,
        "sizes": {
            f"{c['scale']:g}": {"dataset": c["dataset"], "seconds": c["seconds"]}
            for _, c in measured
        },
        "notes": notes,
        "seconds": round(seconds, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({**context, "rows": [as_json(row) for row in grown]}, indent=2, default=str)
        + "\n"
    )
    print(f"\n{describe_run(context)}\n\n{format_grown_table(grown)}\n")
    for note in notes:
        print(note)
    print(f"Results written to {RESULTS.relative_to(environment.BASE_DIR)}")
    sys.exit(1 if any(row.status == FAILED for row in grown) else 0)
