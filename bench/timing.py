"""Measuring against a baseline on a noisy machine.

A measurement and its baseline are taken in turns (one of each, again and again), so that
whatever else the machine does at that moment slows both alike. Each round yields the median of
each; the result is the median over the rounds of the measurement, of the baseline and of their
ratio.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    measured: float  # seconds (median)
    baseline: float  # seconds (median)
    ratio: float  # measured / baseline (median of the rounds' ratios)
    samples: int  # of each, over all rounds
    rounds: int  # rounds taken (fewer than asked when the time budget ran out)


def elapsed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _spent(started: float, budget: float | None) -> bool:
    return budget is not None and time.perf_counter() - started >= budget


def compare(
    measure: Callable[[], object],
    baseline: Callable[[], object],
    *,
    rounds: int,
    per_round: int,
    round_seconds: float | None = None,
    total_seconds: float | None = None,
) -> Comparison:
    """Time `measure` and `baseline` in turns: `rounds` rounds of `per_round` pairs. Budgets
    keep a slow part of the portal from making the bench overrun: a round ends early once
    `round_seconds` are spent (after one pair at least), and no round starts once
    `total_seconds` are (after one round at least)."""
    measured, baselines, ratios, samples = [], [], [], 0
    started = time.perf_counter()
    for _ in range(rounds):
        if measured and _spent(started, total_seconds):
            break
        pairs = []
        round_started = time.perf_counter()
        while len(pairs) < per_round:
            pairs.append((elapsed(measure), elapsed(baseline)))
            if _spent(round_started, round_seconds):
                break
        samples += len(pairs)
        round_measured = statistics.median(pair[0] for pair in pairs)
        round_baseline = statistics.median(pair[1] for pair in pairs)
        measured.append(round_measured)
        baselines.append(round_baseline)
        ratios.append(round_measured / round_baseline)
    return Comparison(
        measured=statistics.median(measured),
        baseline=statistics.median(baselines),
        ratio=statistics.median(ratios),
        samples=samples,
        rounds=len(ratios),
    )
