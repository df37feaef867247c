"""The announcements' Atom feed."""

import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from tug_portal.meetings.models import Announcement

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
# RFC 4287 appendix B, in RELAX NG's XML syntax.
ATOM_SCHEMA = lxml.etree.RelaxNG(lxml.etree.parse(Path(__file__).parent / "schemas" / "atom.rng"))
# The RFC's two Schematron rules, which RELAX NG cannot say.
ATOM_RULES = {
    "an atom:feed has an atom:author unless all of its entries have one": (
        "/atom:feed[atom:author or not(atom:entry[not(atom:author)])]"
    ),
    "every atom:entry has an alternate atom:link or an atom:content": (
        "not(//atom:entry[not(atom:link[@rel='alternate'] or atom:link[not(@rel)]"
        " or atom:content)])"
    ),
}
RFC_4287_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Feed</title>
  <link href="http://example.org/"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <author><name>John Doe</name></author>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <entry>
    <title>Atom-Powered Robots Run Amok</title>
    <link href="http://example.org/2003/12/13/atom03"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2003-12-13T18:30:02Z</updated>
    <summary>Some text.</summary>
  </entry>
</feed>"""


def atom_errors(document: bytes) -> list[str]:
    """What makes `document` not an Atom feed per RFC 4287 (empty: it is one)."""
    tree = lxml.etree.fromstring(document)
    errors = []
    if not ATOM_SCHEMA.validate(tree):
        errors += [str(error) for error in ATOM_SCHEMA.error_log]
    errors += [rule for rule, test in ATOM_RULES.items() if not tree.xpath(test, namespaces=ATOM)]
    return errors


def parse(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - the feed is our own output


def entries(response) -> list[ET.Element]:
    return parse(response).findall("atom:entry", ATOM)


def titles(response) -> list[str]:
    return [entry.findtext("atom:title", namespaces=ATOM) for entry in entries(response)]


def test_feed_is_atom_with_newest_announcement_first(client, demo):
    response = client.get("/announcements/feed/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert parse(response).findtext("atom:title", namespaces=ATOM) == "TUG Portal: announcements"
    assert titles(response) == [
        "OMS – CPG Announcement",
        "DRRS – Acceptable Use Policy",
    ]


def test_feed_entry_links_to_the_page_with_systems_and_sanitized_html(client, demo):
    entry = entries(client.get("/announcements/feed/"))[1]

    link = entry.find("atom:link", ATOM).get("href")
    assert link == "http://127.0.0.1:8000/announcements/drrs-acceptable-use-policy/"
    assert [c.get("term") for c in entry.findall("atom:category", ATOM)] == ["DRRS"]
    assert entry.findtext("atom:published", namespaces=ATOM) == "2018-10-16T17:00:00+00:00"
    summary = entry.findtext("atom:summary", namespaces=ATOM)
    assert "<li>The ISO is planning to implement AUP for the DRRS application.</li>" in summary


def test_feed_leaves_drafts_out(client, demo):
    Announcement.objects.filter(slug="oms-cpg-announcement").update(is_published=False)

    response = client.get("/announcements/feed/")

    assert titles(response) == ["DRRS – Acceptable Use Policy"]


def test_atom_schema_accepts_the_rfc_example():
    assert atom_errors(RFC_4287_EXAMPLE) == []


@pytest.mark.parametrize(
    ("part", "replacement"),
    [
        (b"<id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>", b""),
        (b"<updated>2003-12-13T18:30:02Z</updated>", b"<updated>yesterday</updated>"),
        (b'<link href="http://example.org/"/>', b"<link/>"),
        (b"<summary>Some text.</summary>", b'<summary type="bogus">Some text.</summary>'),
        (b"<author><name>John Doe</name></author>", b""),
        (b'<link href="http://example.org/2003/12/13/atom03"/>', b""),
    ],
    ids=["no id", "bad date", "link without href", "bad text type", "no author", "no link"],
)
def test_atom_schema_rejects_what_rfc_4287_forbids(part, replacement):
    assert part in RFC_4287_EXAMPLE
    assert atom_errors(RFC_4287_EXAMPLE.replace(part, replacement, 1)) != []


def test_feed_is_valid_atom_per_rfc_4287(client, demo):
    assert atom_errors(client.get("/announcements/feed/").content) == []


def test_feed_summaries_link_only_to_absolute_urls(client, demo, settings):
    settings.SITE_URL = "https://portal.example.org"

    hrefs = [
        href
        for entry in entries(client.get("/announcements/feed/"))
        for href in lxml.html.fragment_fromstring(
            entry.findtext("atom:summary", namespaces=ATOM), create_parent=True
        ).xpath("//@href | //@src")
    ]

    assert "https://portal.example.org/meetings/cpg-2018-11-01/" in hrefs
    assert [href for href in hrefs if not href.startswith(("https://", "http://"))] == []


def test_feed_is_served_from_the_page_cache_until_an_announcement_changes(
    client, demo, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = client.get("/announcements/feed/")
    with django_assert_num_queries(0):
        again = client.get("/announcements/feed/?utm_source=reader")  # junk: the same page
    announcement = Announcement.objects.order_by("-pk").first()
    announcement.title = "Moved: the DRRS release"
    with django_capture_on_commit_callbacks(execute=True):
        announcement.save()
    edited = client.get("/announcements/feed/")

    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert "Moved: the DRRS release" in titles(edited)
