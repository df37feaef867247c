"""The announcements as an Atom feed, for feed readers and for mail-to-RSS services."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from tug_portal.common.site import absolute_links_in_html, absolute_url
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

    # Every link and id is absolute from the site's address (Django would otherwise prefix the
    # request's host: ids must not change with the name a reader used).
    def link(self):
        return absolute_url(reverse("web:announcement_list"))

    def feed_url(self):
        return absolute_url(reverse("web:announcement_feed"))

    def feed_guid(self):
        return self.feed_url()

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def items(self):
        # Always the public view: a feed reader never signs in, and feeds may be cached.
        return announcements_visible(user=None)[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # A feed reader shows the summary away from the site: its links must be absolute.
        return absolute_links_in_html(item.body_html)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [system.code for system in item.systems.all()]
