"""The announcements as an Atom feed, for feed readers and for mail-to-RSS services."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from tug_portal.meetings.selectors import announcements_visible

FEED_LENGTH = 50


class AnnouncementsFeed(Feed):
    feed_type = Atom1Feed
    title = "TUG Portal: announcements"
    subtitle = (
        "Policy changes, releases and meeting announcements for the users of the ISO's "
        "applications (DRRS, OMS, ...)."
    )
    author_name = "TUG Portal"

    def link(self):
        return reverse("web:announcement_list")

    def feed_guid(self):
        return f"{settings.SITE_URL}{reverse('web:announcement_feed')}"

    def items(self):
        # Always the public view: a feed reader never signs in, and feeds may be cached.
        return announcements_visible(user=None)[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body_html

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [system.code for system in item.systems.all()]
