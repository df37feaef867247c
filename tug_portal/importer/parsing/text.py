"""Text clean-up: lines without invisible characters, and the cells of a table line."""

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------- text and cells

_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]")


# "April 1, 20089:00 a.m.": a converter ran the year into the time after it.
_YEAR_THEN_TIME = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?=[0-9]{1,2}:[0-9]{2})")


def _normalise(text: str) -> list[str]:
    """Lines without invisible characters; Word's vertical tabs and form feeds end lines too."""
    return [
        _YEAR_THEN_TIME.sub(r"\1 ", _INVISIBLE.sub("", _ODD_SPACES.sub(" ", line))).rstrip()
        for line in text.splitlines()
    ]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


@dataclass(frozen=True)
class _Cell:
    text: str
    start: int  # column index on tab-separated lines, character offset on space-aligned ones


_FRAGMENT = re.compile(r"\S+(?: \S+)*")


def _cells(line: str) -> list[_Cell]:
    """Table cells of a line: tab-separated (Word tables) or apart by 2+ spaces (PDF layout).

    Empty tab cells are kept so that positions line up with those of a header row.
    """
    if "\t" in line:
        return [_Cell(_squash(part), i) for i, part in enumerate(line.split("\t"))]
    return [_Cell(m.group(), m.start()) for m in _FRAGMENT.finditer(line)]


def _filled(cells: list[_Cell]) -> list[_Cell]:
    return [cell for cell in cells if cell.text]
