"""The announcements' Atom feed."""

import xml.etree.ElementTree as ET

import pytest

from tug_portal.meetings.models import Announcement

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


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
