"""Growth (issue 17): every row is measured on the dataset at two sizes (the run's scale and
GROWTH_FACTOR times it), and each row's growth factor says what a four times larger archive
costs it: its cost at the large size over its cost at the small one. Costs are the rows' own
ratios against a same-run baseline (a baseline such as /healthz does not grow with the data),
so the factor is as robust to a noisy machine as the ratios are.

A row whose ratio is a throughput (higher is better: mails/s, requests/s) costs the inverse of
its ratio. A row whose baseline grows with the data itself (the feed builds, each against a
build of the whole archive) costs its ratio times the archive's events: its time in units of
its baseline's time per event, which a linear build keeps (and a slower machine slows alike).
Its ratio alone would divide the growth out: the one-edit rebuild, measured against the cold
build, looked smaller at four times the data while it took twice as long. A row is met only
when it is met at both sizes and its growth meets its growth target, if it has one."""

from dataclasses import dataclass, field

from .table import FAILED, MET, MISSED, NOT_AVAILABLE, RECORDED, Row, Target

GROWTH_FACTOR = 4
THROUGHPUT_ROWS = {"4", "5a", "5b"}  # their ratio is work per second: higher is better
LINEAR = Target("<=", 4.4)  # work that must grow no faster than the data (4x)
FLAT = Target("<=", 1.2)  # work that must not grow with the archive
PER_EVENT_ROWS = {"3", "3c", "3d"}  # their baseline builds the whole archive: cost per event
GROWTH_TARGETS = {
    "3": LINEAR,  # the whole-archive feed build, its events stored
    "3c": LINEAR,  # the same, cold: every event written
    "3d": FLAT,  # the feeds rebuilt after one meeting's edit
    **dict.fromkeys(("8a", "8b", "8c", "8d", "8e", "8f"), FLAT),  # pages rendered afresh
}


@dataclass
class GrownRow:
    """One row at both sizes, its growth factor and its verdict."""

    key: str
    name: str
    small: Row
    large: Row | None
    growth: float | None = None
    growth_target: Target | None = None
    status: str = ""
    note: str = ""
    figures: dict = field(default_factory=dict)


def cost(row: Row) -> float | None:
    if row.ratio is None or row.status in (NOT_AVAILABLE, FAILED):
        return None
    if row.key in THROUGHPUT_ROWS:
        return 1 / row.ratio if row.ratio else None
    if row.key in PER_EVENT_ROWS:
        events = row.figures.get("events")
        return row.ratio * events if events else None
    return row.ratio


def growth_of(small: Row, large: Row | None) -> float | None:
    if large is None:
        return None
    before, after = cost(small), cost(large)
    if not before or after is None:
        return None
    return after / before


def combine(small: Row, large: Row | None) -> GrownRow:
    """The row's verdict over both sizes: the worst of the two, and its growth target."""
    growth = growth_of(small, large)
    target = GROWTH_TARGETS.get(small.key)
    statuses = [small.status] + ([large.status] if large else [])
    if FAILED in statuses:
        status = FAILED
    elif NOT_AVAILABLE in statuses:
        status = NOT_AVAILABLE
    elif MISSED in statuses:
        status = MISSED
    elif target is not None and large is not None and growth is not None:
        status = MET if target.is_met_by(growth) else MISSED
    elif MET in statuses:
        status = MET
    else:
        status = RECORDED
    return GrownRow(
        key=small.key,
        name=small.name,
        small=small,
        large=large,
        growth=growth,
        growth_target=target,
        status=status,
    )


def combine_all(small_rows: list[Row], large_rows: list[Row] | None) -> list[GrownRow]:
    large_by_key = {row.key: row for row in large_rows or []}
    return [combine(row, large_by_key.get(row.key)) for row in small_rows]


GROWN_HEADERS = (
    "row",
    "measurement",
    "measured (1×)",
    "baseline (1×)",
    "ratio (1×)",
    "measured (4×)",
    "ratio (4×)",
    "target",
    "growth",
    "growth target",
    "met?",
)


def _cells(row: GrownRow) -> tuple[str, ...]:
    from .table import format_ratio

    large = row.large
    return (
        row.key,
        row.name,
        row.small.measured or "—",
        row.small.baseline or "—",
        format_ratio(row.small.ratio),
        (large.measured or "—") if large else "—",
        format_ratio(large.ratio) if large else "—",
        str(row.small.target) if row.small.target else "—",
        f"{row.growth:.2f}" if row.growth is not None else "—",
        str(row.growth_target) if row.growth_target else "—",
        row.status,
    )


def format_grown_table(rows: list[GrownRow]) -> str:
    """The rows at both sizes (also valid Markdown), then their notes."""
    cells = [GROWN_HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(GROWN_HEADERS))]

    def line(values) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    lines = [line(GROWN_HEADERS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [line(values) for values in cells[1:]]
    notes = []
    for row in rows:
        for size, part in (("1×", row.small), ("4×", row.large)):
            if part is not None and part.note:
                notes.append(f"- {row.key} ({size}): {part.note}")
    return "\n".join(lines + (["", *notes] if notes else []))


def as_json(row: GrownRow) -> dict:
    from dataclasses import asdict

    def part(size_row: Row | None) -> dict | None:
        if size_row is None:
            return None
        return {
            **asdict(size_row),
            "target": str(size_row.target) if size_row.target else None,
        }

    return {
        "key": row.key,
        "name": row.name,
        "status": row.status,
        "target": str(row.small.target) if row.small.target else None,
        "growth": row.growth,
        "growth_target": str(row.growth_target) if row.growth_target else None,
        "sizes": {"1": part(row.small), str(GROWTH_FACTOR): part(row.large)},
    }
