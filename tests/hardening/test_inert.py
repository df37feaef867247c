"""The checker the XSS tests rely on finds what runs, and only that."""

import pytest

from .inert import active_content


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<script src="https://evil.example/x.js"></script>',
        '<script src="//evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        '<a href=" java\tscript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe srcdoc="x"></iframe>',
        '<base href="https://evil.example/">',
        '<meta http-equiv="Refresh" content="0;url=https://evil.example">',
        "<style>body{}</style>",
        "<svg/onload=alert(1)>",
    ],
)
def test_checker_finds_what_could_run(html):
    assert active_content(html) != []


@pytest.mark.parametrize(
    "html",
    [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<p>&lt;img src=x onerror=alert(1)&gt; and javascript:alert(1) as text</p>",
        '<script src="/static/js/portal.js" defer></script>',
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<a href="https://example.org/" rel="noopener">x</a>',
        '<a href="tel:+18665282256,,3895889%23">call</a>',
    ],
)
def test_checker_lets_shown_text_and_our_own_scripts_be(html):
    assert active_content(html) == []
