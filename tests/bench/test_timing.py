"""Taking measurements in turns with their baseline (what is counted; nothing is timed)."""

from bench.timing import compare


def counted_compare(**budget):
    """`compare` of a measurement and a baseline that only note their turn: (turns, result)."""
    calls = []
    result = compare(lambda: calls.append("measure"), lambda: calls.append("baseline"), **budget)
    return calls, result


def test_compare_takes_rounds_of_pairs_in_turns():
    calls, result = counted_compare(rounds=3, per_round=2)

    assert calls == ["measure", "baseline"] * 6
    assert (result.rounds, result.samples) == (3, 6)


def test_compare_round_budget_spent_ends_each_round_after_one_pair():
    calls, result = counted_compare(rounds=2, per_round=10, round_seconds=0)

    assert calls == ["measure", "baseline"] * 2
    assert result.samples == 2


def test_compare_total_budget_spent_takes_one_round_only():
    calls, result = counted_compare(rounds=3, per_round=2, total_seconds=0)

    assert calls == ["measure", "baseline"] * 2
    assert (result.rounds, result.samples) == (1, 2)
