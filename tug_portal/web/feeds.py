"""The announcements, and the meeting materials as they are posted, as an Atom feed, for feed
readers and for mail-to-RSS services."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from tug_portal.common.site import absolute_links_in_html, absolute_url
from tug_portal.materials.selectors import material_link, material_postings
from tug_portal.meetings.selectors import announcements_visible

FEED_LENGTH = 50


@dataclass(frozen=True)
class MaterialsPosted:
    """One entry per meeting and day materials were posted (not one per file)."""

    meeting: object
    day: date
    posted_at: datetime
    items: list

    @property
    def published_at(self) -> datetime:
        return self.posted_at

    @property
    def title(self) -> str:
        meeting = self.meeting
        return (
            f"Materials posted: {meeting.program.acronym} {meeting.title}, "
            f"{meeting.local_start:%b} {meeting.local_start.day}, {meeting.local_start.year}"
        )

    def link(self) -> str:
        return absolute_url(self.meeting.get_absolute_url()) + "#materials"

    def guid(self) -> str:
        return f"{self.link()}-{self.day.isoformat()}"

    def description(self) -> str:
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({})</li>',
            ((material_link(m), m.title, m.get_kind_display()) for m in self.items),
        )
        return format_html("<ul>{}</ul>", rows)


class AnnouncementsFeed(Feed):
    feed_type = Atom1Feed
    title = "TUG Portal: announcements"
    subtitle = (
        "Policy changes, releases and meeting announcements for the users of the ISO's "
        "applications (DRRS, OMS, ...)."
    )
    author_name = "TUG Portal"

    # Every link and id is absolute from the site's address (Django would otherwise prefix the
    # request's host: ids must not change with the name a reader used).
    def link(self):
        return absolute_url(reverse("web:announcement_list"))

    def feed_url(self):
        return absolute_url(reverse("web:announcement_feed"))

    def feed_guid(self):
        return self.feed_url()

    def item_link(self, item):
        if isinstance(item, MaterialsPosted):
            return item.link()
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        return item.guid() if isinstance(item, MaterialsPosted) else self.item_link(item)

    def items(self):
        # Always the public view: a feed reader never signs in, and feeds may be cached.
        announcements = list(announcements_visible(user=None)[:FEED_LENGTH])
        postings = [MaterialsPosted(**posting) for posting in material_postings(limit=FEED_LENGTH)]
        merged = sorted(
            [*announcements, *postings], key=lambda item: item.published_at, reverse=True
        )
        return merged[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if isinstance(item, MaterialsPosted):
            return item.description()
        # A feed reader shows the summary away from the site: its links must be absolute.
        return absolute_links_in_html(item.body_html)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        if isinstance(item, MaterialsPosted):
            return max(material.updated_at for material in item.items)
        return item.updated_at

    def item_categories(self, item):
        if isinstance(item, MaterialsPosted):
            return [item.meeting.program.acronym]
        return [system.code for system in item.systems.all()]
