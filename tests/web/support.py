"""Reading pages in tests: their text as a reader sees it, and whether a body is a fragment."""

from html.parser import HTMLParser


class _TextOnly(HTMLParser):
    SKIPPED = {"script", "style", "title", "head"}
    # Tags that start a new line or cell: their text never runs into the text before it.
    BREAKS = {"br", "p", "div", "li", "dt", "dd", "td", "th", "tr", "h1", "h2", "h3", "h4"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def text_of(response_or_html) -> str:
    """The visible text, whitespace collapsed: "Next TUG: Tue 30 Oct 2018, 10:00-11:00 AM PT"."""
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    parser = _TextOnly()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def is_fragment(response) -> bool:
    body = response.content.decode()
    return "<html" not in body and "<body" not in body and "site-header" not in body
