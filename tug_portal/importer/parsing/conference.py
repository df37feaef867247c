"""Conference access: the web conference and the dial-ins."""

import re
from dataclasses import dataclass, replace

from .markdown import _URL
from .record import DialIn, WebConference
from .text import _Cell, _cells, _filled, _squash

# ------------------------------------------------------------------------- conference access

# Whole labels (\A: searched, they would retry from every word).
_LABEL_KINDS = (
    (
        "meeting_number",
        re.compile(
            r"(?i)\A(?:meeting|event|webinar|session|webex|zoom)\s*(?:number|num|no|id|#)\.?"
        ),
    ),
    (
        "url",
        re.compile(
            r"(?i)\A(?:(?:web|webinar|webex|meeting|event|join|joining|online|conference|zoom"
            r"|teams)\s+)*(?:url|link|(?:web\s*)?address|web\s*page)"
        ),
    ),
    (
        "access_code",
        re.compile(
            r"(?i)\A(?:(?:meeting|event|webinar|attendee|participant|conference|audio|call|phone"
            r"|dial[\s-]*in|guest|security)\s+)*"
            r"(?:access\s*code|pass\s*code|code|id|pin|password)"
        ),
    ),
    (
        "phone",
        re.compile(
            r"(?i)\A.{0,40}?\b(?:call|dial|phone|toll|tele\w*|bridge|audio|domestic|international"
            r"|local|u\.?s\.?|canada|number)\b.{0,40}"
        ),
    ),
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?[0-9]{1,3}[\s.-]?)?(?:\([0-9]{3}\)|[0-9]{3})[\s.-]?[0-9]{3}[\s.-]?[0-9]{4}"
    r"(?![0-9])"
)
_NUMBER_FIRST = re.compile(
    rf"(?P<number>{_PHONE.pattern})[\s,:–-]*\(?(?P<label>[A-Za-z][\w /.&-]{{0,40}}?)\)?"
)
_CONFERENCE_HOST = re.compile(
    r"(?i)webex|zoom\.us|teams\.microsoft|gotomeeting|gotowebinar|bluejeans|meet\.google"
)
_GROUP_HEADINGS = (
    (
        "phone",
        re.compile(
            r"(?i)\b(?:conference\s+call|teleconference|telephone|dial[\s-]*in|audio|phone"
            r"|call[\s-]*in)\b"
        ),
    ),
    ("web", re.compile(r"(?i)\b(?:web\w*|online|video|zoom|teams)\b")),
)
_TYPED_GROUP = {"url": "web", "meeting_number": "web", "phone": "phone"}


@dataclass(frozen=True)
class _Pair:
    kind: str
    label: str
    value: str
    start: int
    slot: int  # the pair's place in its row: the column of a side-by-side table


def _conference(
    lines: list[str], claimed: set[int]
) -> tuple[WebConference | None, tuple[DialIn, ...]]:
    """Web conference and dial-ins from "Label | value" cells or "Label: value" lines.

    An access code belongs to what its column last listed (a link or a phone number), else to
    the column's heading ("Web Conference Information" | "Conference Call Information"), else
    to what was listed last. Columns are found under the headings' positions, or else by the
    pair's place in its row.
    """
    headings: list[tuple[int, str]] = []
    listed: dict[int, str] = {}  # column -> group of the link or number it last listed
    last: str | None = None
    grouped: list[tuple[_Pair, str | None]] = []
    for i, line in enumerate(lines):
        if i in claimed:
            continue
        cells = _filled(_cells(line))
        pairs = _row_pairs(cells, _squash(lines[i + 1]) if i + 1 < len(lines) else "")
        if _LETTERHEAD.search(line):  # "Phone: (713) 555-0160, Fax: ...": the office's line
            pairs = [pair for pair in pairs if pair.kind != "phone"]
        if not pairs and (found := _group_headings(cells)):
            headings, listed = found, {}
        for pair in pairs:
            column = _heading_index(headings, pair.start) if headings else pair.slot
            group = _TYPED_GROUP.get(pair.kind)
            if group:
                listed[column] = last = group
            else:
                group = listed.get(column) or (headings[column][1] if headings else None) or last
            grouped.append((pair, group))
    dial_ins = _dial_ins(grouped) or _dial_ins_in_prose(lines, claimed)
    return _web_conference(grouped, lines, claimed), dial_ins


_NEXT_LABEL = re.compile(r"[,;|]\s+(?=[A-Za-z][\w ()-]{0,30}:\s)")
_LETTERHEAD = re.compile(r"(?i)\bfax\b\s*:")


def _row_pairs(cells: list[_Cell], next_line: str) -> list[_Pair]:
    """Label/value pairs of one line: "Label: value" in a cell (several may share one, as in
    "Call-in: (866) 528-2256, Access code: 389 588 9"), or a label cell and the cell after it;
    a lone "Label:" line takes its value from the next line."""
    cells = [_Cell(part, c.start) for c in cells for part in _NEXT_LABEL.split(c.text)]
    if any(c.text.endswith("|") for c in cells):  # "Call-in-Number | 800-555-0142 |": a web
        # page's two-column table, a pipe after each cell
        cells = [_Cell(p.strip(), c.start) for c in cells for p in c.text.split("|") if p.strip()]
    pairs: list[_Pair] = []
    i = 0
    while i < len(cells):
        readings = _pair_candidates(cells, i, next_line)
        found = next(((r, kind) for r in readings if (kind := _label_kind(r[0], r[1]))), None)
        if found is None:
            i += 1
            continue
        (label, value, used), kind = found
        pairs.append(_Pair(kind, _clean_label(label), value.strip(), cells[i].start, len(pairs)))
        i += used
    return pairs


def _pair_candidates(cells: list[_Cell], i: int, next_line: str) -> list[tuple[str, str, int]]:
    """(label, value, cells used) readings of the cell at ``i``, the likeliest first."""
    text = cells[i].text
    label, colon, rest = text.partition(":")
    candidates = [(label, rest, 1)] if colon and rest.strip() else []
    number_first = _NUMBER_FIRST.fullmatch(text)
    if number_first:  # "1-844-517-1271 US Toll Free", as conferencing services print them
        candidates.append((number_first["label"], number_first["number"], 1))
    if i + 1 < len(cells):
        candidates.append((text, cells[i + 1].text, 2))
    elif len(cells) == 1 and text.endswith(":"):
        candidates.append((text, next_line, 1))
    return candidates


def _clean_label(label: str) -> str:
    return label.strip().lstrip("•·▪*-– ").rstrip(":#").strip()


# Innermost parentheses, from the start of a run of spaces: "[^)]*" from each "(" of a run of
# them would rescan it (quadratic).
_PARENTHETICAL = re.compile(r"(?<!\s)\s*\([^()]*\)")


def _label_kind(label: str, value: str) -> str | None:
    """What a label names; an aside in parentheses ("Meeting number (access code)") aside."""
    label = _clean_label(label)
    if not label or not value.strip() or len(label) > 60 or _URL.search(label):
        return None
    plain = _PARENTHETICAL.sub("", label).strip()
    for kind, pattern in _LABEL_KINDS:
        if (pattern.fullmatch(label) or pattern.fullmatch(plain)) and _fits(kind, value):
            return kind
    return None


def _fits(kind: str, value: str) -> bool:
    if kind == "url":
        return _first_url(value) is not None
    if kind == "phone":
        return bool(_PHONE.search(value))
    return len(value) <= 40 and any(c.isdigit() for c in value)


def _first_url(text: str) -> str | None:
    match = _URL.search(text)
    return match.group().rstrip(".,;:)]") if match else None


def _group_headings(cells: list[_Cell]) -> list[tuple[int, str]]:
    groups = [(cell.start, g) for cell in cells if (g := _group_of_heading(cell.text))]
    return groups if groups and len(groups) == len(cells) else []


def _group_of_heading(text: str) -> str | None:
    if len(text.split()) > 6 or _URL.search(text) or any(c.isdigit() for c in text):
        return None
    return next((group for group, p in _GROUP_HEADINGS if p.search(text)), None)


def _heading_index(headings: list[tuple[int, str]], start: int) -> int:
    """The heading over a cell: the last one starting at or before it."""
    return max(
        (k for k, (heading_start, _) in enumerate(headings) if heading_start <= start), default=0
    )


def _web_conference(grouped, lines: list[str], claimed: set[int]) -> WebConference | None:
    url = next((_first_url(p.value) for p, _ in grouped if p.kind == "url"), None)
    url = url or _conference_link(lines, claimed)
    number = next((p.value for p, _ in grouped if p.kind == "meeting_number"), None)
    code = _first_code(grouped, "web")
    if not number and (prose := _meeting_number_in_prose(lines, claimed)):
        number, code = prose[0], code or prose[1]
    return WebConference(url, number, code) if url or number else None


# "Step 2: Enter meeting number 8665282256; enter access code 6865273", "Meeting ID: 616-096-389"
# inside a longer line.
_PROSE_MEETING_NUMBER = re.compile(
    r"(?i)\bmeeting\s+(?:number|id)\b\s*(?:is\s*)?:?\s*(?P<number>[0-9][0-9 -]{4,14}[0-9])"
)
_PROSE_ACCESS = re.compile(r"(?i)\baccess\s+code\s*(?:is\s*)?:?\s*(?P<code>[0-9][0-9 ]{2,18}[0-9])")


def _meeting_number_in_prose(lines: list[str], claimed: set[int]) -> tuple[str, str | None] | None:
    for i, line in enumerate(lines):
        found = _PROSE_MEETING_NUMBER.search(line) if i not in claimed else None
        if found:
            code = _PROSE_ACCESS.search(line, found.end(), found.end() + 60)
            return found["number"].strip(), code["code"].strip() if code else None
    return None


def _first_code(grouped, group: str) -> str | None:
    """The first access code under ``group``, else one printed before any link or number,
    which serves the whole meeting."""
    codes = [(p.value, g) for p, g in grouped if p.kind == "access_code"]
    return next((v for v, g in codes if g == group), None) or next(
        (v for v, g in codes if g is None), None
    )


def _conference_link(lines: list[str], claimed: set[int]) -> str | None:
    """An unlabelled link to a known conferencing service ("Join: https://x.webex.com/...")."""
    for i, line in enumerate(lines):
        url = _first_url(line) if i not in claimed else None
        if url and _CONFERENCE_HOST.search(url):
            return url
    return None


def _dial_ins(grouped) -> tuple[DialIn, ...]:
    """Each number takes the phone access code printed after it (one code may follow several
    numbers), else the first phone code, else a code shared by the whole meeting."""
    dial_ins: list[DialIn] = []
    waiting: list[int] = []
    for pair, group in grouped:
        if pair.kind == "phone":
            for number in _PHONE.finditer(pair.value):
                # "1-(877) 820-7831 access code 178140": the code printed with the number
                code = _PROSE_CODE.search(pair.value[number.end() : number.end() + 60])
                if code is None:
                    waiting.append(len(dial_ins))
                dial_ins.append(
                    DialIn(pair.label, number.group(), code["code"].strip() if code else None)
                )
        elif pair.kind == "access_code" and group == "phone":
            for k in waiting:
                dial_ins[k] = replace(dial_ins[k], access_code=pair.value)
            waiting = []
    fallback = _first_code(grouped, "phone")
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for dial_in in dial_ins:
        if (dial_in.label, dial_in.number) not in seen:
            seen.add((dial_in.label, dial_in.number))
            unique.append(replace(dial_in, access_code=dial_in.access_code or fallback))
    return tuple(unique)


# "Dial-in: 1-415-655-0002 | Access Code: 739 109 209" inside a longer line, or prose: "listen
# by calling 1-888-917-8050, and then entering passcode 9570961".
_CALL_WORDS = re.compile(
    r"(?i)\b(?:dial[\s-]*in|call[\s-]*in|calling|call|phone|teleconference|conference\s+line"
    r"|toll[\s-]*free)\b[^0-9]{0,30}$"
)
_PROSE_CODE = re.compile(
    r"(?i)\b(?:access|participant|guest|attendee|dial[\s-]*in|conference)?\s*"
    r"(?:code|passcode|pin)\b\s*(?:is\s*)?:?\s*\(?(?P<code>[0-9][0-9 ]{2,18}[0-9]#?)"
)
# "RSVP ... by email or phone (713-356-0060)", "questions ... call": the office, not the meeting.
_NOT_A_CALL = re.compile(r"(?i)\b(?:rsvp|questions?|contact|inquiries|support)\b")
_CODE_LINES = 4  # a code may be asked for on the lines after the number ("• enter the code")


def _dial_ins_in_prose(lines: list[str], claimed: set[int]) -> tuple[DialIn, ...]:
    """A number is a dial-in only when words of calling lead to it; its code is the first one
    named after it on the same line."""
    found: list[DialIn] = []
    for i, line in enumerate(lines):
        if i in claimed or _LETTERHEAD.search(line):
            continue
        for number in _PHONE.finditer(line):
            before = line[max(0, number.start() - 60) : number.start()]
            if not _CALL_WORDS.search(before) or _NOT_A_CALL.search(before):
                continue
            after = [line[number.end() : number.end() + 80]]
            after += [_squash(more) for more in lines[i + 1 : i + 1 + _CODE_LINES]]
            code = next((c for text in after if (c := _PROSE_CODE.search(text))), None)
            found.append(DialIn(None, number.group(), code["code"].strip() if code else None))
            break
        if found:
            break
    return tuple(found)
