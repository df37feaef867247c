"""Built feeds, stored so that a request serves bytes and never builds a calendar."""

from django.db import models

from tug_portal.meetings.models import Program, System


class StoredFeed(models.Model):
    """One feed's last build: the bytes, their ETag and what they were built from. Rows are
    written only by `services.feed_build`. (Their gzip is made when first asked for:
    `feed_store.feed_keep_gzip`.)"""

    key = models.CharField(max_length=200, unique=True, help_text="e.g. “tug?history=all”.")
    # What the feed is filtered by (null = not filtered): edits to a program rebuild its feeds
    # and the all-programs ones; deleting a program or system deletes its feeds.
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    system = models.ForeignKey(
        System, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    full_history = models.BooleanField(default=False)
    etag = models.CharField(max_length=64, help_text="Hash of the content, DTSTAMP left out.")
    content_changed_at = models.DateTimeField(help_text="When the content last changed.")
    data_version = models.CharField(max_length=64, help_text="The data the build read.")
    # When the feed was last known to match the database: built, or checked by a refresh that
    # found its data unchanged. A one-edit refresh reads again what was saved since the oldest
    # of these (`services._feeds_patch`), so a feed no edit touched for weeks must not keep an
    # old one.
    current_at = models.DateTimeField(help_text="When it was last built or found current.")
    event_count = models.PositiveIntegerField(default=0)
    # The meetings it holds, in order, with their calendar states: where a one-edit rebuild
    # starts from (`feed_layout`). The row keeps what names the layout and when it may move
    # with time alone; the states are kept in parts, one per year (`StoredFeedPart`), so that
    # an edit rewrites one year's entries, not the archive's. Null: rebuilt from the database.
    layout = models.JSONField(null=True, blank=True)
    # Everything before the first event: the calendar's properties and its VTIMEZONEs. The
    # feed's bytes are not stored: they are this head, then each event of the layout (stored
    # once per meeting, StoredEvent) with the DTSTAMP of `content_changed_at`, assembled when a
    # request finds no copy in the cache (`feed_bytes.feed_content`). Storing them whole made an
    # edit rewrite megabytes for every feed holding the meeting (migration 0007). Null: rebuilt
    # when asked for.
    head = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key


class StoredEvent(models.Model):
    """One meeting's VEVENT as every feed writes it, less its DTSTAMP (which is the build's):
    the piece feeds are assembled from. `state` names the calendar state it was written from
    (`event_store.event_state_key`); a piece is only used by a build that reads the same state,
    so a stale row is never served, only replaced. Written only by `event_store`."""

    meeting = models.OneToOneField(
        "meetings.Meeting", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=64)
    content = models.BinaryField()
    stamp_at = models.PositiveIntegerField(help_text="Where the DTSTAMP line goes.")

    def __str__(self):
        return f"event of meeting {self.meeting_id}"


class StoredFeedPart(models.Model):
    """One year of a stored feed's layout (`feed_layout.LayoutPart`): the calendar states of the
    meetings it holds that start that (UTC) year, as JSON lines, one per meeting, in feed
    order. Written only by `layout_store`, with the feed's row."""

    feed = models.ForeignKey(StoredFeed, on_delete=models.CASCADE, related_name="+")
    year = models.SmallIntegerField()
    entries = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feed", "year"], name="calendars_feed_part_year")
        ]

    def __str__(self):
        return f"{self.feed_id} {self.year}"
