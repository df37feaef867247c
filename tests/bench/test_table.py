"""The bench's table: each row's verdict from its target, the printed table and the JSON."""

import json

from bench.table import (
    FAILED,
    MET,
    MISSED,
    NOT_AVAILABLE,
    RECORDED,
    Row,
    Target,
    format_table,
    write_json,
)


def test_settle_ratio_within_an_upper_target_is_met():
    row = Row(key="1a", name="GET /", ratio=2.5, target=Target("<=", 3)).settle()

    assert row.status == MET


def test_settle_ratio_above_an_upper_target_is_missed():
    row = Row(key="2b", name="304", ratio=1.2, target=Target("<=", 1.1)).settle()

    assert row.status == MISSED


def test_settle_ratio_below_a_lower_target_is_missed():
    row = Row(key="4", name="fan-out", ratio=0.4, target=Target(">=", 0.5)).settle()

    assert row.status == MISSED


def test_settle_target_on_another_figure_reads_that_figure():
    target = Target("==", 0, of="errors")

    assert (
        Row(key="5a", name="load", ratio=0.1, target=target, figures={"errors": 0}).settle().status
        == MET
    )
    assert (
        Row(key="5a", name="load", ratio=0.1, target=target, figures={"errors": 3}).settle().status
        == MISSED
    )


def test_settle_without_target_is_recorded():
    assert Row(key="6a", name="memory", ratio=1.8).settle().status == RECORDED


def test_settle_keeps_not_available_and_failed():
    missing = Row.not_available("4", "fan-out", Target(">=", 0.5), "no dispatcher yet")
    broken = Row.failed("3", "build", Target("<=", 1.5), ValueError("boom"))

    assert (missing.settle().status, missing.note) == (NOT_AVAILABLE, "no dispatcher yet")
    assert (broken.settle().status, broken.note) == (FAILED, "boom")


def test_target_prints_with_its_figure():
    assert str(Target("<=", 1.5)) == "≤ 1.5"
    assert str(Target(">=", 0.5)) == "≥ 0.5"
    assert str(Target("==", 0, of="errors")) == "errors = 0"


def test_format_table_aligns_columns_and_lists_notes():
    rows = [
        Row(
            key="1a",
            name="GET /",
            measured="4.00 ms",
            baseline="/healthz 2.00 ms",
            ratio=2.0,
            target=Target("<=", 3),
        ).settle(),
        Row.not_available("4", "fan-out", Target(">=", 0.5), "no dispatcher yet"),
    ]

    assert format_table(rows).splitlines() == [
        "| row | measurement | measured | baseline         | ratio | target | met?              |",
        "|-----|-------------|----------|------------------|-------|--------|-------------------|",
        "| 1a  | GET /       | 4.00 ms  | /healthz 2.00 ms | 2.00  | ≤ 3    | yes               |",
        "| 4   | fan-out     | —        | —                | —     | ≥ 0.5  | not available yet |",
        "",
        "- 4: no dispatcher yet",
    ]


def test_format_table_large_ratio_has_no_decimals():
    row = Row(key="1a", name="GET /", ratio=166.4, target=Target("<=", 3)).settle()

    assert "| 166   |" in format_table([row])


def test_write_json_holds_context_rows_and_targets(tmp_path):
    path = tmp_path / "bench" / "results.json"
    row = Row(key="2a", name="all.ics", ratio=1.25, target=Target("<=", 1.5), figures={"n": 50})

    write_json(path, rows=[row.settle()], context={"machine": {"cores": 2}})

    document = json.loads(path.read_text())
    assert document["machine"] == {"cores": 2}
    assert document["rows"] == [
        {
            "key": "2a",
            "name": "all.ics",
            "measured": "",
            "baseline": "",
            "ratio": 1.25,
            "target": "≤ 1.5",
            "status": "yes",
            "note": "",
            "figures": {"n": 50},
        }
    ]
