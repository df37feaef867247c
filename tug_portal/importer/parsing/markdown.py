"""Bodies as Markdown, and the documents (links) they cite."""

import re
from urllib.parse import unquote

from .record import Document
from .text import _indent, _squash

# ----------------------------------------------------------------------- bodies as Markdown

_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-–*•◦▪‣○·●■►➢\uf0a7\uf0b7\uf0d8]|o(?=[ \t])|[0-9]{1,2}[.)]"
    r"|[a-z][.)])[ \t]+(?P<text>\S.*)$"
)
_ENDS_SENTENCE = re.compile(r"[.:;!?\"”’)]$")
_NEST = "    "  # Python-Markdown nests lists by four spaces (CommonMark accepts it too)
_URL = re.compile(r"(?<![\w.@/])(?:https?://|www\.)[^\s<>\"]+", re.I)
_DOC_EXTENSION = r"\.(?:pdf|docx?|xlsx?|pptx?|csv|zip|html?|aspx|txt)"
# A file name (maybe with spaces) ending the link, or one path token holding one of "/_%=-"
# and not ending with punctuation. Possessive runs (no backtracking into a token) keep it
# linear: the earlier "[^\s]*[/_%=-][^\s]*[^.,;:!?]" took 30 s on a 62 KB line of slashes.
_URL_TAIL = re.compile(
    rf"(?i)(?<![^\s<>\"])(?:[^\s<>\"]++ ){{0,3}}[^\s<>\"]+{_DOC_EXTENSION}"
    r"|(?<![^\s<>\"])[^\s<>\"/_%=-]*+[/_%=-][^\s<>\"]++(?<![.,;:!?])"
)
_ENDS_WITH_DOCUMENT = re.compile(rf"(?i){_DOC_EXTENSION}$")


def _body(lines: list[str]) -> tuple[str, tuple[Document, ...]]:
    lines = _rejoin_wrapped_urls(lines)
    return _markdown(lines), _documents(lines)


def _rejoin_wrapped_urls(lines: list[str]) -> list[str]:
    """A long link wrapped by the author's editor goes on, on the next line, to its document;
    spaces inside the rejoined part are the file name's own, so they are percent-encoded."""
    joined: list[str] = []
    for line in lines:
        url = _trailing_url(joined[-1]) if joined else None
        tail = line.strip()
        complete = not url or _ENDS_WITH_DOCUMENT.search(url) or _BULLET.match(line)
        if not complete and _URL_TAIL.fullmatch(tail):
            joined[-1] = joined[-1].rstrip() + tail.replace(" ", "%20")
        else:
            joined.append(line)
    return joined


def _trailing_url(line: str) -> str | None:
    matches = list(_URL.finditer(line.rstrip()))
    if matches and matches[-1].end() == len(line.rstrip()):
        return matches[-1].group()
    return None


def _markdown(lines: list[str]) -> str:
    """Bullets become "- " items nested by their indentation, other lines paragraphs; text is
    kept verbatim. A line that wraps (the one before ends mid-sentence) is joined to it; an
    indented line under an item that ended its sentence (a quoted error message) is an item."""
    out: list[str] = []
    indents: list[int] = []
    block, adjacent = None, False
    for line in lines:
        text = _squash(line)
        if not text:
            adjacent = False
            continue
        bullet, indent = _BULLET.match(line), _indent(line)
        wraps = adjacent and not _ENDS_SENTENCE.search(out[-1])
        if bullet:
            item = f"{_marker(bullet['marker'])} {_squash(bullet['text'])}"
        elif block == "item" and adjacent and indent > indents[-1]:
            if wraps and not text.startswith(('"', "“")):
                out[-1] = f"{out[-1]} {text}"
                continue
            item = f"- {text}"
        elif block == "text" and wraps and text[0].islower():
            out[-1] = f"{out[-1]} {text}"
            continue
        else:
            indents.clear()
            out.extend(["", text] if out else [text])
            block, adjacent = "text", True
            continue
        if block == "text":
            out.append("")
        out.append(_NEST * _nesting_level(indents, indent) + item)
        block, adjacent = "item", True
    return "\n".join(out)


def _marker(marker: str) -> str:
    return f"{marker[:-1]}." if marker[0].isdigit() else "-"


def _nesting_level(indents: list[int], indent: int) -> int:
    while indents and indents[-1] > indent:
        indents.pop()
    if indents and indents[-1] == indent:
        indents.pop()
    indents.append(indent)
    return len(indents) - 1


_PAGE = re.compile(r"(?i)\bpages?\s+([0-9]+(?:\s*[-–]\s*[0-9]+)?)")
_LEAD_IN = re.compile(
    r"(?i)^(?:please\s+)?(?:refer\s+to|see|review|visit|read|available\s+at|found\s+at)\s+"
    r"(?:the\s+)?"
)
_PAGE_OF = re.compile(r"(?i)^(?:pages?|pg\.?|p\.)\s*[0-9]+(?:\s*[-–]\s*[0-9]+)?\s+(?:of|in)\s+")
_DOCUMENT_TAIL = re.compile(r"(?i)(?<!\s)\s+(?:at|here|on|in)$")  # from a run's start
_DOCUMENT_TRIM = " :–-,(["


def _documents(lines: list[str]) -> tuple[Document, ...]:
    """Every link in a body, with the words before it as title and a "Page 11" reference."""
    documents: dict[str, Document] = {}
    for line in lines:
        bullet = _BULLET.match(line)
        text = bullet["text"] if bullet else line
        for match in _URL.finditer(text):
            url = match.group().rstrip(".,;:)]")
            before = _squash(text[: match.start()])
            page = _PAGE.search(before)
            title = _document_title(before) or _file_name(url)
            documents.setdefault(url, Document(title, url, page.group(1) if page else None))
    return tuple(documents.values())


def _document_title(before: str) -> str:
    clause = re.split(r"(?<=[.!?])\s+", before)[-1]
    clause = _PAGE_OF.sub("", _LEAD_IN.sub("", clause.strip(_DOCUMENT_TRIM)))
    return _DOCUMENT_TAIL.sub("", clause.strip(_DOCUMENT_TRIM)).strip(_DOCUMENT_TRIM)


def _file_name(url: str) -> str:
    path = re.split(r"[?#]", url.split("://", 1)[-1])[0]
    name = unquote(path.rstrip("/").rpartition("/")[2]) if "/" in path else ""
    return name.rpartition(".")[0] or name or url
