"""Is a page inert? Everything in it that a browser could run, found by parsing it as HTML.

A page may load our own scripts (`<script src="/static/...">`, same origin) and carry JSON data
(`<script type="application/json">`); anything else that runs script is a finding: another
`<script>`, an `on*=` handler, a `javascript:` / `vbscript:` / `data:` URL, a frame or plugin, a
`<base>`, a meta refresh, a `<style>` element. Text that merely *shows* a payload, escaped, is
not a finding: escaped, it is no tag at all.
"""

import re
from html.parser import HTMLParser

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "lowsrc", "dynsrc", "cite", "longdesc", "ping", "codebase", "manifest", "icon",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Browsers drop ASCII whitespace and control characters inside a URL's scheme.
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def scheme_of(url: str) -> str:
    return IGNORED_IN_SCHEME.sub("", url).lower()


class ActiveContent(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.script_tags = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"
        if tag == "script":
            self.script_tags += 1
            if not self._allowed_script(attributes):
                self.findings.append(f"script: {where}")
        if tag in FORBIDDEN_TAGS:
            self.findings.append(f"forbidden tag: {where}")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.findings.append(f"meta refresh: {where}")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"event handler {name}: {where}")
            elif name == "srcdoc":
                self.findings.append(f"srcdoc: {where}")
            elif name in URL_ATTRIBUTES and scheme_of(value or "").startswith(DANGEROUS_SCHEMES):
                self.findings.append(f"{name} URL: {where}")

    handle_startendtag = handle_starttag

    @staticmethod
    def _allowed_script(attributes: dict) -> bool:
        if (attributes.get("type") or "").lower() in DATA_SCRIPT_TYPES:
            return True
        source = attributes.get("src") or ""
        return source.startswith("/") and not source.startswith("//")  # our own, same origin


def active_content(html: str) -> list[str]:
    """What in `html` could run script; empty when the page is inert."""
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    raw_scripts = len(re.findall(r"<script\b", html, flags=re.IGNORECASE))
    if raw_scripts != parser.script_tags:
        parser.findings.append(f"{raw_scripts} '<script' in the text, {parser.script_tags} parsed")
    return parser.findings
