"""Every regular expression of the importer runs in time linear in its text.

Agenda text comes from outside, and a pattern that backtracks (a nested or adjacent quantifier
over the same characters) turns a long line into minutes of CPU: `_URL_TAIL` took 30 s on a
62 KB line. Each pattern found in the importer's modules is fed long runs of the characters
such patterns loop on, searched, matched and fully matched, in a child process that must be
done within the read's time limit: linear, that is milliseconds; quadratic, minutes.
"""

import importlib
import multiprocessing
import pkgutil
import re

import pytest
from django.conf import settings

from tests.importer import hostile
from tug_portal.importer import import_plan, parsing
from tug_portal.importer.parsing import markdown, parse_agenda

LENGTH = 64 * 1024  # the review's upload was 62 KB
RUNS = [" ", "\t", "a", "1", "/", "-", ".", ":", "(", "@", "a.", "a@", "a/", "1:"]
RUNS += ["web ", "draft ", "meeting ", "record ", "notice ", "http://", "agenda "]
ENDINGS = ["", "!", "."]  # a run that ends the text, or one a pattern must then fail on


def importer_modules() -> list:
    """import_plan and every module of the parsing package."""
    names = [f"{parsing.__name__}.{m.name}" for m in pkgutil.iter_modules(parsing.__path__)]
    return [import_plan, *(importlib.import_module(name) for name in names)]


def importer_patterns() -> dict[str, re.Pattern]:
    """The compiled patterns of the importer's modules, those in tables included."""
    found = {}
    for module in importer_modules():
        for name, value in vars(module).items():
            items = value if isinstance(value, tuple) else (value,)
            for k, item in enumerate(items):
                for pattern in item if isinstance(item, tuple) else (item,):
                    if isinstance(pattern, re.Pattern):
                        label = f"{name}[{k}]" if isinstance(value, tuple) else name
                        found[f"{module.__name__.rpartition('.')[2]}.{label}"] = pattern
    return found


PATTERNS = importer_patterns()


def finishes_in_time(work, *args) -> bool:
    """Whether `work(*args)` ends (and succeeds) within the read's time limit; a forked child
    runs it, so that a runaway pattern is killed rather than left to hang the test run."""
    child = multiprocessing.get_context("fork").Process(target=work, args=args)
    child.start()
    child.join(settings.TUG_IMPORT_TIME_LIMIT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        return False
    return child.exitcode == 0


def feed_runs(pattern: re.Pattern) -> None:
    for run in RUNS:
        text = run * (LENGTH // len(run))
        for ending in ENDINGS:
            pattern.search(text + ending)
            pattern.match(text + ending)
            pattern.fullmatch(text + ending)


def test_the_importer_patterns_are_found():
    expected = {"markdown._URL_TAIL", "dates_times._DATE_PATTERNS[0]", "import_plan._BARE_LINK"}
    assert expected <= set(PATTERNS)
    assert len(PATTERNS) > 40


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_takes_linear_time_on_long_runs(name):
    assert finishes_in_time(feed_runs, PATTERNS[name])


def parse_long_line_after_a_link() -> None:
    record = parse_agenda(hostile.quadratic_regex_line(LENGTH))
    assert len(record.topics) == 3


def test_parse_agenda_reads_a_long_line_after_a_link_in_linear_time():
    assert finishes_in_time(parse_long_line_after_a_link)


@pytest.mark.parametrize(
    ("tail", "joined"),
    [
        (" Phase2 Clean.pdf", True),  # a file name with spaces, ending with its extension
        (" v2/Spec-final", True),  # a path token
        (" a b c d e.pdf", False),  # five words: a sentence, not a file name
        (" and more.", False),
        (" Spec-", False),  # nothing after the only "-"
        (" v2/Spec.", False),  # ends with punctuation
    ],
)
def test_url_tail_rules_held_when_made_linear(tail, joined):
    lines = markdown._rejoin_wrapped_urls(["- See http://x.org/Docs/EnergyStorage", tail])

    assert (len(lines) == 1) is joined
