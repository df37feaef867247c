"""The bench's results: one Row per measurement, printed as a table and written as JSON."""

import json
import operator
from dataclasses import asdict, dataclass, field
from pathlib import Path

MET, MISSED, RECORDED, NOT_AVAILABLE, FAILED = (
    "yes",
    "NO",
    "recorded",
    "not available yet",
    "failed",
)
COMPARE = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


@dataclass(frozen=True)
class Target:
    """What the ratio (or, with `of`, another figure of the row) must be: "<= 3", ">= 0.5"."""

    op: str
    value: float
    of: str = "ratio"  # the figure it applies to: "ratio", or a key of Row.figures

    def __str__(self):
        subject = "" if self.of == "ratio" else f"{self.of} "
        op = {"<=": "≤", ">=": "≥", "==": "="}[self.op]
        return f"{subject}{op} {self.value:g}"

    def is_met_by(self, value: float) -> bool:
        return COMPARE[self.op](value, self.value)


@dataclass
class Row:
    key: str  # "1", "2b", ...: the row's key in the printed table
    name: str
    measured: str = ""  # human-readable, with units
    baseline: str = ""
    ratio: float | None = None
    target: Target | None = None
    status: str = ""
    note: str = ""
    figures: dict = field(default_factory=dict)  # the raw numbers, for the JSON

    def settle(self) -> "Row":
        """Decide `status` from the figures and the target (a row without a target is only
        recorded)."""
        if self.status in (NOT_AVAILABLE, FAILED):
            return self
        if self.target is None:
            self.status = RECORDED
            return self
        value = self.ratio if self.target.of == "ratio" else self.figures[self.target.of]
        self.status = MET if self.target.is_met_by(value) else MISSED
        return self

    @classmethod
    def not_available(cls, key: str, name: str, target: Target | None, why: str) -> "Row":
        return cls(key=key, name=name, target=target, status=NOT_AVAILABLE, note=why)

    @classmethod
    def failed(cls, key: str, name: str, target: Target | None, error: Exception) -> "Row":
        return cls(key=key, name=name, target=target, status=FAILED, note=f"{error}"[:300])


HEADERS = ("row", "measurement", "measured", "baseline", "ratio", "target", "met?")


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.2f}" if ratio < 100 else f"{ratio:.0f}"


def _cells(row: Row) -> tuple[str, ...]:
    return (
        row.key,
        row.name,
        row.measured or "—",
        row.baseline or "—",
        format_ratio(row.ratio),
        str(row.target) if row.target else "—",
        row.status,
    )


def format_table(rows: list[Row]) -> str:
    """A plain-text table (also valid Markdown), then the rows' notes."""
    cells = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADERS))]

    def line(values) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    lines = [line(HEADERS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [line(values) for values in cells[1:]]
    notes = [f"- {row.key}: {row.note}" for row in rows if row.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def write_json(path: Path, *, rows: list[Row], context: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        **context,
        "rows": [
            {**asdict(row), "target": str(row.target) if row.target else None} for row in rows
        ],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
