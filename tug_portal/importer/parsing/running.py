"""Agenda rows that reach us as running text: a table flattened by a web page or a PDF
converter ("1:00 – 1:05 Welcome Jane Doe – ISO 1:05 – 1:10 Roll call ..."), numbered items run
together ("1. Review Agenda ― Approve (A. Gallo) (1 minute) 2. ..."), a web table whose cells
end with "|", and lines led by a single time ("10:30Introduction").

Each reader returns rows in the form of the table reader ({"topic", "person", "time"}); the
pipeline uses them only where no table was found. A presenter is taken only where it is
plainly one: a name in parentheses, after a dash or dot leaders, or a name at the end of the
row that is not a title's words; otherwise the row has no presenter rather than a wrong one.
"""

import functools
import importlib.resources
import itertools
import re

from .dates_times import _find_date, _find_time_range
from .text import _squash

_INITIALS_NAME = r"(?:(?:Mr|Ms|Mrs|Dr)\.\s)?[A-Z]\.(?:\s?[A-Z]\.)?\s[A-Z][a-zA-Z'’-]+"
_FULL_NAME = r"(?:(?:Mr|Ms|Mrs|Dr)\.\s)?[A-Z][a-z]+(?:\s[A-Z]\.)?\s[A-Z][a-zA-Z'’-]+"
_PERSON = rf"(?:{_INITIALS_NAME}|{_FULL_NAME})"
_PEOPLE = rf"{_PERSON}(?:\s?(?:,|&|/|\band\b)\s?{_PERSON})*"
_SUFFIX = (
    r"(?:\s[–—-]\s[A-Z][\w&]*(?:\s[A-Z][\w&]*){0,2}"
    r"|,\s(?:[A-Z]{2,6}\s)?(?:Chairman|Chair|Vice\s+Chair|Director|Manager|President))?"
)
_TRAILING_PEOPLE = re.compile(rf"\s({_PEOPLE}{_SUFFIX})$")
_FUNCTION_WORD = re.compile(r"(?i)\b(?:the|a|an|of|for|to|in|on|with|from|by)$")
# Words that start titles, never first names: "Next Steps", "Project Tracking".
_NOT_FIRST_NAMES = {
    "next", "project", "public", "update", "review", "report", "phase", "market", "session",
    "committee", "group", "working", "standards", "future", "roll", "open", "closing",
    "other", "new", "board", "technical", "general", "annual", "system", "policy", "data",
    "energy", "power", "reliability", "operations", "planning", "regional", "draft", "final",
}  # fmt: skip
# An action word after the title ("― Approve", "*Discuss/Endorse", " Approve"): what the
# committee will do with the item, not its name. "Update" and "Review" only after a dash.
# After a dash the word may stand in parentheses ("- (Approve)", "– (Review)", "- Elect").
_ACTION = re.compile(
    r"(?<!\s)(?:\s*[―—–]\s*\(?|\s+-\s+\(?|\*\s*\(?"
    r"|\s+(?=(?:Approve|Discuss|Inform|Endorse|Accept)\b))"
    r"(?:Approve|Discuss(?:/\w+)?|Inform|Endorse|Accept|Review|Vote|Determine|Elect)\)?\s*$"
)
_ASIDE = re.compile(r"(?i)(?<!\s)\s*\((?:see|attached)[^)]*\)")
_LAST_ROW_END = re.compile(r"\s(?:\*\s?Background|Upload:|TRANSCRIPT|Page \d|[A-Z]{4,},)")
_MINUTES = re.compile(r"(?<!\s)\s*\(\d+\s*minutes?\)")
_PAREN_PERSON = re.compile(rf"(?<!\s)\s*\(({_PEOPLE}|[A-Z]{{2,6}})\)")
# Leaders may mix "…" and "." ("Consent Agenda……….Mr. Lee"): all of it goes.
_DOT_LEADERS = re.compile(r"(?<!\s)\s*(?:\.{4,}(?:…[.…]*)?|…[.…]+|(?:\.\s){4,})\s*")
# Sub-items: "a. ", "ii) ", bullets (a converter may glue "•" to the word before it).
_SUB_ITEM = re.compile(r"\s(?:[a-z]|[ivx]+)[.)]\s|\so\s|\s?[•▪]\s|\s(?:Approval|Action)\s+Item:")
_INITIALS_ONLY = re.compile(rf"{_INITIALS_NAME}(?:\s(?:and|&)\s{_INITIALS_NAME})*")
# A section heading the flattening ran into the item before it ("2. Future Meetings* Regular
# Agenda 3. ..."): "Consent Agenda" only after a footnote mark, as it is also an item's name.
_HEADINGS = re.compile(
    r"(?:\s(?:Agenda\s+Items|Administrative)|\*?\s(?:Regular|Open|Closed)\s+Agenda"
    r"|\*\s*Consent\s+Agenda)\s*$"
)


def running_rows(lines: list[str]) -> list[dict[str, str]]:
    """The rows of the likeliest running-text layout in ``lines``, or none."""
    text = "\n".join(_squash(line) for line in lines)
    # The most explicit layout first: cells closed by "|", chained ranges, lines led by a
    # time, numbered items, then bare cells on lines of their own.
    readers = (
        _pipe_rows,
        _time_chain_rows,
        _time_led_lines,
        _agenda_item_rows,
        _numbered_rows,
        _inline_time_rows,
    )
    for reader in readers:
        rows = reader(text)
        if len(rows) >= 2:
            return rows
    return _cell_lines_rows(text)


# --- "1:00 – 1:05 Welcome Jane Doe – ISO 1:05 – 1:10 Roll call ..." -----------------------


def _time_chain_rows(text: str) -> list[dict[str, str]]:
    """Ranges that chain (each starts where the last ended) mark the rows of a flattened
    table; the text between two ranges is the earlier row."""
    best: list[tuple[int, int, str]] = []
    for clock in _CLOCK_START.finditer(text):
        chain = _chain_from(text, clock.start())
        if len(chain) > len(best):
            best = chain
        if len(best) >= 3:
            break
    rows = []
    presenters = bool(_PRESENTER_COLUMN.search(text))
    for k, (_, end, slot) in enumerate(best):
        stop = best[k + 1][0] if k + 1 < len(best) else _row_end(text, end)
        row = _split_row(text[end:stop], slot)
        if not row["person"] and presenters and (group := _COLLECTIVE.search(row["topic"])):
            row.update(topic=row["topic"][: group.start()], person=group.group(1))
        rows.append(row)
    if sum(_is_prose(row["topic"]) for row in rows) * 2 >= len(rows):
        return []  # the titles stand before their times: what follows each is its paragraph
    return rows if len(rows) >= 2 else []


def _is_prose(line: str) -> bool:
    """A sentence, not a title: eight words or more ending with a full stop."""
    return len(line.split()) >= 8 and line.rstrip().endswith((".", ".”", '."'))


_CLOCK_START = re.compile(r"(?<![\d:])\d{1,2}:\d\d")


def _chain_from(text: str, start: int) -> list[tuple[int, int, str]]:
    chain: list[tuple[int, int, str]] = []
    position = start
    while position < len(text):
        found = _find_time_range(text[position : position + 400])
        if found is None or found.end is None:
            break
        begin, end = position + found.start_index, position + found.end_index
        if chain and (begin - chain[-1][1] > 300 or _clock_text(text, begin) != chain[-1][3]):
            break
        if not chain and begin != start:
            return []
        end_clock = re.split(r"\s*[–—―-]\s*|\s+to\s+", text[begin:end])[-1]
        chain.append((begin, end, text[begin:end], _digits(end_clock)))
        position = end
    return [(b, e, slot) for b, e, slot, _ in chain]


def _clock_text(text: str, begin: int) -> str:
    match = re.match(r"\d{1,2}:\d\d|noon", text[begin:], re.I)
    return _digits(match.group()) if match else ""


def _digits(text: str) -> str:
    match = re.match(r"\d{1,2}:\d\d", text.strip())
    return match.group().lstrip("0") if match else text.strip().lower()


def _row_end(text: str, position: int) -> int:
    """Where the last row stops: a blank line, a page mark or a slide after its text."""
    match = re.compile(r"\n\n|\bPage \d|\bslide-\d").search(text, position)
    return match.start() if match else len(text)


def _split_row(cell: str, slot: str) -> dict[str, str]:
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    plain = [line for line in lines if not line.startswith(("•", "-", "o "))]
    title_part = plain[0] if plain else ""
    person = ""
    found = _trailing_person(title_part)
    if wrapped := _wrapped_around_people(title_part):
        title_part, person = wrapped
    elif found:
        person, title_part = found, title_part[: -len(found)].strip()
    elif len(plain) > 1 and (found := _trailing_person(" " + plain[-1], alone=True)) == plain[-1]:
        person = found
    elif len(plain) > 1 and _NAME_WITH_ORG.fullmatch(plain[-1]):
        person = plain[-1]  # "Ankit Mishra - CAISO" on its own line: the suffix makes it a name
    return {"time": slot, "topic": _clean(title_part), "person": person}


_NAME_WITH_ORG = re.compile(rf"{_FULL_NAME}\s[–—-]\s[A-Z][\w&]*(?:\s[A-Z][\w&]*){{0,2}}")
_PERSON_THEN_AND = re.compile(rf"\s({_PERSON})\s&\s(?=[a-z])")


def _wrapped_around_people(text: str) -> tuple[str, str] | None:
    """ "Phase 2: Ramping Product Ann Lee & and Market Design Bo Chan": a title cell and a
    presenters cell both wrapped onto a second line, flattened in turn; the line after the
    "&" starts lower case (the title goes on) and ends with the second presenter."""
    match = _PERSON_THEN_AND.search(text)
    if match is None:
        return None
    first = match.group(1)
    rest = text[match.end() :]
    second = _trailing_person(rest)
    if not second or not _trailing_person(" " + first, alone=True):
        return None
    title = f"{text[: match.start()]} {rest[: -len(second)]}"
    return " ".join(title.split()), f"{first} & {second}"


def _trailing_person(text: str, alone: bool = False) -> str:
    """The people that end a row, when they plainly are people: initials and a surname
    ("A. Gallo"), or a first name the census knows ("Dottie Anderson", not "Work Plan")."""
    position = 0
    while (match := _TRAILING_PEOPLE.search(text, position)) is not None:
        if not alone and not text[: match.start()].strip():
            return ""
        words = re.sub(r"^(?:Mr|Ms|Mrs|Dr)\.\s", "", match.group(1)).split()
        first = words[0].strip(".").lower()
        known = len(words[0].strip(".")) == 1 or first in _first_names()
        # "... and the Summer Approach": after an article or a preposition the words are the
        # title's, whatever the census says of "Summer"
        led = _FUNCTION_WORD.search(text[: match.start()])
        if known and first not in _NOT_FIRST_NAMES and not led:
            return match.group(1)
        position = match.start() + 1
    return ""


@functools.cache
def _first_names() -> frozenset[str]:
    """First names of the US census (1990), shipped by the `names` package."""
    found: set[str] = set()
    for part in ("dist.male.first", "dist.female.first"):
        text = (importlib.resources.files("names") / part).read_text(encoding="ascii")
        found.update(line.split()[0].lower() for line in text.splitlines() if line.strip())
    return frozenset(found)


# --- "1. Review Agenda ― Approve (A. Gallo) (1 minute) 2. Consent Agenda ..." --------------

# "1. Welcome", "2) Roll", "3 – Minutes", and "1.Welcome" (the space lost before a capital)
_ITEM_NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,2})(?:[.)]\s+(?=\S)|\.(?=[A-Z])|\s[–-]\s+(?=\S))")


_ITEM_GAP = 1000  # characters an item's paragraphs may run before the next number


def _numbered_rows(text: str) -> list[dict[str, str]]:
    """The longest run of items numbered 1, 2, 3... (a restart at 1 continues the run when a
    heading such as "Agenda Items" precedes it); sub-items (a., i., •) stay in their row."""
    marks = [(m.start(), m.end(), int(m.group(1))) for m in _ITEM_NUMBER.finditer(text)]
    for k, first in enumerate(marks):
        if first[2] != 1:
            continue
        run = [first]
        for mark in marks[k + 1 :]:
            restart = mark[2] == 1 and re.search(r"Agenda\s+Items\s*$", text[: mark[0]])
            if mark[0] - run[-1][1] > _ITEM_GAP:
                break
            if mark[2] == run[-1][2] + 1 or restart:
                run.append(mark)
            elif mark[2] <= run[-1][2]:
                break  # a list inside an item ("2. Consent Agenda ... 1. Minutes")
        if len(run) >= 2 and not _not_agenda_items(text, run):
            return _run_rows(text, run)
    return _run_from_two(text, marks)


def _run_from_two(text: str, marks: list[tuple[int, int, int]]) -> list[dict[str, str]]:
    """Items numbered from 2 when the first lost its number (its lines came out as bullets):
    read only as a run of three or more."""
    for k, first in enumerate(marks):
        if first[2] != 2:
            continue
        run = [first]
        for mark in marks[k + 1 :]:
            if mark[0] - run[-1][1] > _ITEM_GAP or mark[2] != run[-1][2] + 1:
                break
            run.append(mark)
        if len(run) >= 3 and not _not_agenda_items(text, run):
            return _run_rows(text, run)
    return []


# "I grant MRO: 1. Permission to record me; and 2. The right to ...": a sentence's clauses.
_CLAUSE_END = re.compile(r"(?:;|;\s*(?:and|or)|,\s*and)\s*$")
# "Name Organization Sector(s) 1. Ann Lee Grid Council 1 & 2": an attendance table's rows.
_ROSTER_HEAD = re.compile(r"(?i)\bname\b.{0,40}\b(?:organi[sz]ation|company|affiliation)\b")


def _not_agenda_items(text: str, run: list[tuple[int, int, int]]) -> bool:
    """A numbered list that is no agenda: the clauses of one sentence (each item but the last
    ends with "; and"), or the rows of an attendance table under a "Name Organization" head."""
    cells = [" ".join(text[end : run[k + 1][0]].split()) for k, (_, end, _n) in enumerate(run[:-1])]
    if sum(bool(_CLAUSE_END.search(cell)) for cell in cells) * 2 >= len(cells):
        return True
    return bool(_ROSTER_HEAD.search(text[max(0, run[0][0] - 120) : run[0][0]]))


def _run_rows(text: str, best: list[tuple[int, int, int]]) -> list[dict[str, str]]:
    rows = []
    for k, (_, end, _number) in enumerate(best):
        stop = best[k + 1][0] if k + 1 < len(best) else _row_end(text, end)
        cell = _before_prose(text[end:stop])
        if last := _LAST_ROW_END.search(cell):
            cell = cell[: last.start()]
        if k + 1 == len(best):
            cell = _cut_footer(cell, text)
            cell = re.sub(r"\s+\d{1,3}\s*$", "", cell)  # a page number run into the last item
        found = _slash_rows(cell) if _slash_layout(cell) else [_item_row(cell)]
        found += [
            {"topic": _clean(m["title"]), "person": "", "time": m["time"]}
            for m in _UNNUMBERED_ROW.finditer(text[end:stop])
        ]
        if any(row["topic"] == earlier["topic"] for row in found[:1] for earlier in rows):
            break  # the same list again: a page viewer's second copy
        rows.extend(found)
    return [row for row in rows if row["topic"]]


# "3. / Protocol Report\n • PRRs (Vote) *\n/ K. Lane / 9:45 a.m.\nLunch / 12:00 p.m.": a
# table whose cells came out separated by " / " (a slash with a space or line on each side).
_SLASH = re.compile(r"(?:^|(?<=\s))/(?=\s|$)")
_TIME_CELL = re.compile(r"(?i)\A\s*(?:\d{1,2}:\d\d\s*(?:[ap]\.?\s?m\b\.?)?|noon)")


def _slash_layout(cell: str) -> bool:
    return cell.lstrip().startswith("/") or cell.count(" / ") >= 2


def _slash_rows(cell: str) -> list[dict[str, str]]:
    """The rows of one item of a " / " table: title, presenter, time; a title after the time
    ("11:15 a.m.\nLunch / 12:00 p.m.") is a row of its own (a break between items)."""
    rows: list[dict[str, str]] = []
    row = {"topic": "", "person": "", "time": ""}
    for part in _SLASH.split(cell):
        lines = [line.strip() for line in part.split("\n") if line.strip()]
        if not lines:
            continue
        time = _TIME_CELL.match(part)
        bare = lines[0].strip(" *")
        if time and row["topic"]:
            row["time"] = time.group().strip()
            rows.append(row)
            row = {"topic": "", "person": "", "time": ""}
            rest = [line for line in part[time.end() :].split("\n") if line.strip()]
            row["topic"] = _clean(rest[0]) if rest else ""
        elif row["topic"] and not row["person"] and re.fullmatch(_PEOPLE + _SUFFIX, bare):
            row["person"] = bare
        elif not row["topic"]:
            title = next((line for line in lines if not line.startswith(("•", "-", "o "))), "")
            row["topic"] = _clean(title)
    if row["topic"]:
        rows.append(row)
    return rows


# "Review of Previous Action Items9:15 - 9:25Fred will review...": under a numbered item, a row
# the numbering skipped, its title glued to its time range at the start of a line.
_UNNUMBERED_ROW = re.compile(
    r"(?m)(?<=\n)(?P<title>[A-Z][A-Za-z ,&/'’-]{3,80}?)(?:\.{3,}\s*)?"
    r"(?P<time>\d{1,2}:\d\d\s?[-–]\s?\d{1,2}:\d\d)"
)
_WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def _before_prose(cell: str) -> str:
    """An item without the paragraphs under it: from the first line, after the title's, that
    is a sentence ("Jane Doe will introduce the agenda. We will hear any discussion.")."""
    lines = cell.split("\n")
    for k, line in enumerate(lines[1:], start=1):
        titled = any(len(_WORD.findall(earlier)) >= 2 for earlier in lines[:k])
        if _is_prose(line) and titled:
            return "\n".join(lines[:k])
    return cell


def _cut_footer(cell: str, text: str) -> str:
    """The last item without a page footer run into it ("11. Adjourn Section 4.9 Committee
    Meeting Material - Agenda 1"): a line the document also prints on its own (a footer
    repeats) that the item's text goes on into."""
    squashed = " ".join(cell.split())
    for line in {line.strip() for line in text.split("\n")}:
        repeated = len(line) >= 20 and line != squashed and text.count(line) >= 2
        at = squashed.find(line) if repeated else -1
        if at > 0:
            squashed = squashed[:at]
    return squashed


def _item_row(cell: str) -> dict[str, str]:
    """One numbered item: its title without sub-items, action word, minutes and footnote
    marks; its presenter from dot leaders, a closing "(A. Gallo)", a dash, or a trailing name."""
    cell = " ".join(_VIDEO_MARK.sub(" ", cell).split())
    sub = _SUB_ITEM.search(" " + cell)
    head = cell[: sub.start()].strip() if sub else cell
    head = _MINUTES.sub("", _ASIDE.sub("", _HEADINGS.sub("", head))).strip()
    if labelled := _labelled_row(head):
        return labelled
    if named := _title_colon_people(head):
        return named
    person = ""
    leaders = _DOT_LEADERS.search(head)
    if leaders:
        head, person = head[: leaders.start()], head[leaders.end() :].strip()
        if _find_time_range(person[:12]):
            person = ""  # "Welcome...... 9:00 – 9:05": the leaders lead to the time
    dashed = _DASH_PERSON_ORG.search(head)
    if dashed and not person and _trailing_person(" " + dashed["person"], alone=True):
        person, head = f"{dashed['person']} {dashed['org']}", head[: dashed.start()]
    paren = _PAREN_PERSON.search(head)
    if paren and _is_acronym_of(paren.group(1), head[: paren.start()]):
        paren = None  # "Project Tracking Spreadsheet (PTS)": the title's own acronym
    if paren and not person and not _clean(head[paren.end() :]):
        person, head = paren.group(1), head[: paren.start()] + head[paren.end() :]
    dash = re.search(r"\s?[—–]\s?(?=[A-Z])", head)
    if dash and not person:
        after = re.match(rf"{_PEOPLE}(?:\s?/\s?[A-Z][\w ]{{0,20}})?", head[dash.end() :])
        if after:
            person, head = after.group().strip(), head[: dash.start()]
    if not person:
        trailing = _trailing_person(head)
        if trailing:
            person, head = trailing, head[: -len(trailing)]
    return {"topic": _clean(head), "person": person}


# "Presenter: Ann Lee, Chair Reference: Guidelines Action: Approve": a row whose cells came out
# as labelled fields after the title (and its time).
_FIELD_LABEL = re.compile(
    r"\s(?P<label>Presenters?|Speakers?|Facilitators?|Leads?|References?|Action|Description"
    r"|Purpose|Materials?|Outcome):(?=\s|$)"
)
_PERSON_LABELS = ("presenter", "speaker", "facilitator", "lead")
_ROW_CLOCK = re.compile(r"(?i)\s(\d{1,2}:\d\d\s?[ap]\.?\s?m\b\.?)\s*$")


def _labelled_row(head: str) -> dict[str, str] | None:
    """ "Consent Items 9:10 am Presenter: Ann Lee, Chair Reference: Minutes": the title before
    the first label (without the row's time after it), the presenter from its own label; a
    "Description:" or "Reference:" field is the row's detail, never its title."""
    text = " " + head
    labels = list(_FIELD_LABEL.finditer(text))
    if not labels:
        return None
    title, person = text[: labels[0].start()], ""
    for k, label in enumerate(labels):
        if label["label"].lower().startswith(_PERSON_LABELS):
            stop = labels[k + 1].start() if k + 1 < len(labels) else len(text)
            person = text[label.end() : stop].strip(" ,;.")
            break
    time = _ROW_CLOCK.search(title)
    if time:
        title = title[: time.start()]
    return {"topic": _clean(title), "person": person, "time": time.group(1) if time else ""}


# "CARTODB Demonstration – Nathan Wagoner (ICF)": a presenter after a dash with the
# organization's acronym in parentheses.
_DASH_PERSON_ORG = re.compile(rf"\s[—–-]\s(?P<person>{_FULL_NAME})\s(?P<org>\([A-Z]{{2,6}}\))$")


def _is_acronym_of(letters: str, before: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", before) if w[0].isupper()]
    return len(letters) >= 2 and "".join(w[0] for w in words[-len(letters) :]) == letters


# "(► Video)", "(Video)": a link to the item's recording, printed before its title.
_VIDEO_MARK = re.compile(r"\((?:►\s?)?(?i:video|audio|recording)\)")
_NAME_ONLY = re.compile(rf"(?:and\s)?({_FULL_NAME}(?:\sJr\.?)?)")


def _title_colon_people(head: str) -> dict[str, str] | None:
    """ "Lamprey Update: Ann Lee, Bo Chan and Cy Dorn, Fish Office.": the title, a colon,
    then the people with their roles; only the parts that are names alone (a first name of
    the census and a surname) are kept as presenters."""
    title, colon, rest = head.partition(": ")
    if not colon or not title or not rest:
        return None
    people = []
    for part in re.split(r";\s|,\s|\sand\s", rest.rstrip(".")):
        match = _NAME_ONLY.fullmatch(part.strip())
        if match and match.group(1).split()[0].lower() in _first_names():
            people.append(match.group(1))
    first = _NAME_ONLY.match(rest)
    if not people or not first or first.group(1) != people[0]:
        return None  # the colon is the title's own ("Phase 1: Market Design")
    return {"topic": _clean(title), "person": ", ".join(people)}


def _clean(title: str) -> str:
    for _ in range(2):
        title = _ACTION.sub("", title).strip()
    title = re.sub(r"\*+", "", title)
    return title.strip(" ―—–-|:")


# --- "AGENDA ITEM 1 Call to Order Jane Doe, Chair a. Quorum 2 Consent Agenda ..." ----------

_AGENDA_ITEM_ONE = re.compile(r"(?i)\bagenda\s+item\s+1\s+(?=[A-Z])")
_BARE_NUMBER = re.compile(r"(?<=\s)(\d{1,2})\s+(?=[A-Z])")
_NAME_THEN_ROLE = re.compile(rf"(?:^|\s)({_FULL_NAME}),\s")


def _agenda_item_rows(text: str) -> list[dict[str, str]]:
    """Items under an "AGENDA ITEM 1" heading, numbered 2, 3... without a dot: this heading
    says where the agenda starts, so numbered text above it (a consent form's clauses) is not
    read as rows. The presenter is a known first name and surname before ", role"."""
    start = _AGENDA_ITEM_ONE.search(text)
    if start is None:
        return []
    marks = [(start.start(), start.end(), 1)]
    for match in _BARE_NUMBER.finditer(text, start.end()):
        if match.start() - marks[-1][1] > 600:
            break
        if int(match.group(1)) == marks[-1][2] + 1:
            marks.append((match.start(), match.end(), marks[-1][2] + 1))
    rows = []
    for k, (_, end, _number) in enumerate(marks):
        stop = marks[k + 1][0] if k + 1 < len(marks) else _row_end(text, end)
        cell = " ".join(text[end:stop].split())
        person = next(
            (
                m.group(1)
                for m in _NAME_THEN_ROLE.finditer(cell)
                if m.group(1).split()[0].lower() in _first_names()
            ),
            "",
        )
        head = cell[: cell.find(person)] if person else cell
        sub = _SUB_ITEM.search(" " + head)
        head = head[: max(0, sub.start() - 1)] if sub else head
        if k + 1 == len(marks) and not person:
            continue  # a last item cut off or running into the page's footer
        rows.append({"topic": _clean(head), "person": person})
    return [row for row in rows if row["topic"]]


# --- ERCOT-style web tables: "| 1. |\nAntitrust Admonition |\nM. Trenary |\n9:30 a.m. |" ----


def _pipe_rows(text: str) -> list[dict[str, str]]:
    if text.count("|") < 8:
        return []
    cells = [" ".join(cell.split()) for cell in text.split("|")]
    rows: list[dict[str, str]] = []
    k = 0
    while k < len(cells):
        if re.fullmatch(r"\d{1,2}\.", cells[k]):
            rest = cells[k + 1 : k + 5]
            title = next((c for c in rest if c), "")
            after = rest[rest.index(title) + 1 :] if title in rest else []
            person = next((c for c in after if c and re.fullmatch(_PEOPLE, c)), "")
            time = next((c for c in after if c and _find_time_range(c)), "")
            if title and not re.fullmatch(r"\d{1,2}\.", title):
                sub = _SUB_ITEM.search(" " + title)
                title = title[: sub.start()] if sub else title
                rows.append({"topic": _clean(title), "person": person, "time": time})
        k += 1
    return rows


# --- "TRANSAC Meeting Agenda 9:30 a.m. Welcome 9:35 a.m. Administration 11:45 a.m. ..." -------

_INLINE_CLOCK = re.compile(r"(?i)(?<![\d:])\d{1,2}:\d\d\s?[ap]\.?\s?m\b\.?")
_INLINE_MIN = 4  # single times on one line, running forward, that make it a flattened list


def _inline_time_rows(text: str) -> list[dict[str, str]]:
    """A list of start times flattened onto one line: each time leads the text up to the next;
    a time with no text of its own (its title came out elsewhere) gives no row."""
    for line in text.split("\n"):
        clocks = [
            m
            for m in _INLINE_CLOCK.finditer(line)
            if not _RANGE_AFTER.match(line, m.end()) and not _RANGE_BEFORE.search(line[: m.start()])
        ]
        if len(clocks) < _INLINE_MIN or not _runs_forward([m.group() for m in clocks]):
            continue
        rows = []
        for k, clock in enumerate(clocks):
            stop = clocks[k + 1].start() if k + 1 < len(clocks) else _row_end(line, clock.end())
            cell = line[clock.end() : stop].strip()
            opens_with_date = (found := _find_date(cell)) is not None and found.start == 0
            if cell and not opens_with_date:  # "12:00 p.m. Wednesday, September 16 ...": a date
                row = _item_row(cell)
                rows.append({"time": clock.group(), "topic": row["topic"], "person": row["person"]})
        return [row for row in rows if row["topic"]]
    return []


_RANGE_AFTER = re.compile(r"\s?(?:[–—-]|to\b)\s?\d")
_RANGE_BEFORE = re.compile(r"(?:[–—-]|\bto)\s?$")  # the end of a range ("9:30 a.m. – 12:00 p.m.")


def _runs_forward(clocks: list[str]) -> bool:
    found = [_find_time_range(clock) for clock in clocks]
    starts = [f.start for f in found if f]
    return len(starts) == len(clocks) and all(a <= b for a, b in itertools.pairwise(starts))


# --- "10:00Coffee & registration" on lines of their own ------------------------------------

# "10:30Introduction", "9:30 a.m.Welcome", "10:15a.m.Local Area Update (Ann Lee)", and under a
# "Time Min Topic Presenter" head "9:05 10Revisit ..." (the minutes column glued to the title).
_TIME_LED = re.compile(
    r"(?i)^(?P<time>\d{1,2}:\d\d(?:\s?[ap]\.?\s?m\b\.?)?)\s*(?P<minutes>\d{1,3}\s*)?"
    r"(?![ap]\.?\s?m\b)(?P<text>[A-Za-z(].*)$"
)
_MINUTES_COLUMN = re.compile(r"(?im)^time\s+min(?:s|utes)?\b")
_PRESENTER_COLUMN = re.compile(
    r"(?im)^(?:time\b.*)?\b(?:presenters?|speakers?|leads?|facilitators?|leading\s+discussion):?\s*$"
)
# Who presents when no one person does, in a table with a presenter column.
_COLLECTIVE = re.compile(r"\s(All|Members|Staff|Everyone|Participants|Stakeholders)$")


# Lines under a time-led row that belong to it: bullets and "Goal:", "Handouts:" notes.
_UNDER_ROW = re.compile(r"[•▪◦·*-]|[A-Z][a-z]+:\s")
_WRAPPED_LINES = 5  # lines (wrapped text, untimed rows) before the next time-led row
# "Benchmarking 16-25 Robin Furrer": under a "Slide #" or "Page" head, the column between the
# title and the presenter.
_SLIDE_COLUMN = re.compile(
    r"(?im)^.*\b(?:slides?|pages?)\s*(?:#|no\.?|numbers?)?\s+presenters?\s*$"
)
_SLIDES = re.compile(r"\s\d{1,3}(?:\s?[-–]\s?\d{1,3})?\s(?=[A-Z])")


def _time_led_lines(text: str) -> list[dict[str, str]]:
    """Rows of lines each led by a time; bullets, notes and a few wrapped lines under a row
    belong to it, and a line of names alone under it is its presenters."""
    minutes = bool(_MINUTES_COLUMN.search(text))
    presenters = bool(_PRESENTER_COLUMN.search(text))
    slides = bool(_SLIDE_COLUMN.search(text))
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    rows: list[dict[str, str]] = []
    for k, line in enumerate(lines):
        match = _TIME_LED.match(line)
        if match and (minutes or not match["minutes"]):
            rows.append(_time_led_row(match["time"], match["text"].strip(), presenters, slides))
        elif rows and (people := _names_line(line)) and not rows[-1]["person"]:
            rows[-1]["person"] = people
        elif rows and not _UNDER_ROW.match(line) and not _row_follows(lines, k):
            if len(rows) >= 3:
                break
            rows = []  # a time or two in the heading ("9:30 a.m. Welcome reception"), not rows
    return rows if len(rows) >= 3 else []


def _time_led_row(time: str, text: str, presenters: bool, slides: bool) -> dict[str, str]:
    if slides and (columns := _slide_columns(text)):
        return {"time": time, **columns}
    title, person = _dash_people(text)
    row = {"topic": title, "person": person} if person else _item_row(title)
    if not row["person"] and presenters and (group := _COLLECTIVE.search(row["topic"])):
        row = {"topic": row["topic"][: group.start()], "person": group.group(1)}
    return {"time": time, "topic": row["topic"], "person": row["person"]}


def _slide_columns(text: str) -> dict[str, str] | None:
    """ "Schedule and Overview 2-15 Robin Furrer• follow-up items": title, slides, presenter (kept
    only when it is names), then the row's notes."""
    head = _SUB_ITEM.split(" " + text, maxsplit=1)[0].strip()
    columns = list(_SLIDES.finditer(head))
    if not columns:
        return None
    last = columns[-1]
    person = head[last.end() :].strip()
    return {"topic": _clean(head[: last.start()]), "person": _names_line(person)}


def _row_follows(lines: list[str], k: int) -> bool:
    return any(_TIME_LED.match(line) for line in lines[k + 1 : k + 1 + _WRAPPED_LINES])


def _names_line(line: str) -> str:
    """ "Zach Mann, Kevin Bern, Dana Scholl": a line of names alone, most with a first name the
    census knows (one glued "DamenBleiler" does not undo the rest)."""
    parts = [part.strip() for part in line.split(",")]
    if len(line) > 160 or not all(part and part[0].isupper() for part in parts):
        return ""
    named = sum(
        bool(_NAME_ONLY.fullmatch(part)) and part.split()[0].lower() in _first_names()
        for part in parts
    )
    return line if named * 3 >= len(parts) * 2 and named else ""


def _dash_people(text: str) -> tuple[str, str]:
    """ "Welcome – Ann Lee, facilitator; Bo Chan, DEQ": the title, and the people after the
    dash whose parts are names alone; the text whole when the dash leads to no name."""
    for dash in (" – ", " — ", " - "):
        title, found, rest = text.partition(dash)
        if not found:
            continue
        people = []
        for part in re.split(r";\s|,\s|\sand\s", rest):
            match = _NAME_ONLY.fullmatch(part.strip())
            if match and match.group(1).split()[0].lower() in _first_names():
                people.append(match.group(1))
        first = _NAME_ONLY.match(rest)
        if people and first and first.group(1) == people[0]:
            return title.strip(), ", ".join(people)
    head, colon, note = text.partition(": ")
    if colon and len(note.split()) >= 8:
        return head, ""  # "Discussion: Time for participants to ask questions, ...": a note
    return text, ""


# --- each cell on a line of its own: "Agenda Review\nChase Smith\n9:35 a.m." -------------

_TIME_ONLY = re.compile(r"(?i)\d{1,2}(?::\d\d)?\s*(?:[ap]\.?\s?m\.?)?|noon")


# The head of such a table: "Agenda Item", "Leading Discussion", "Presenter", "Time".
_CELL_HEAD = re.compile(
    r"(?i)(?:agenda\s+)?items?|topics?|leading\s+discussion|presenters?|speakers?|time|leads?"
    r"|facilitators?|discussion\s+leaders?"
)
_LONG_CELL = 120  # a cell this long is a note under the row (an admonition), never its title


def _cell_lines_rows(text: str) -> list[dict[str, str]]:
    """Rows of a table whose cells each came out on a line: a title, then its presenter and
    its time when it has them (under a head such as "Agenda Item / Leading Discussion", from
    there on). Lines under a title before its presenter are its notes, a bullet opening a row
    its title. Counted only when several rows carry a time."""
    lines = [line.strip(" |") for line in text.split("\n")]
    heads = [k for k, line in enumerate(lines) if _CELL_HEAD.fullmatch(line)]
    rows: list[dict[str, str]] = []
    title, person = "", ""
    for line in lines[heads[0] + 1 :] if heads else lines:
        if not line or _CELL_HEAD.fullmatch(line):
            continue
        if re.fullmatch(r"\d{1,2}\.|.*\b(?:19|20)\d\d\b.*", line) and not title:
            continue
        bullet = line.startswith(("•", "·", "-"))
        if _TIME_ONLY.fullmatch(line):
            if title:
                rows.append({"topic": _clean(title), "person": person, "time": line})
            title, person = "", ""
        elif title and not person and re.fullmatch(rf"{_PEOPLE}(?:,\s?All)?", line):
            person = line
        elif title and person:
            rows.append({"topic": _clean(title), "person": person, "time": ""})
            title, person = (line if len(line) < _LONG_CELL and not bullet else ""), ""
        elif not title and re.fullmatch(_PEOPLE, line):
            continue  # the presenter of a row without a title ("Jane Doe / 4:00 PM": closing)
        elif not title and len(line) < _LONG_CELL:
            title = line.lstrip("•·- ").strip()
    timed = [row for row in rows if row["time"]]
    return rows if len(timed) >= 3 else []
