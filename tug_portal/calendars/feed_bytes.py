"""A stored feed's bytes, assembled when they are asked for and no cache holds them.

A feed row stores no bytes of its own: its head (the calendar's properties and VTIMEZONEs) and
its layout (the meetings it holds, in order, with their calendar states) name them, and each
meeting's event is stored once (`event_store`), for every feed that holds it. The bytes are the
head, then each event with the DTSTAMP of the feed's last change, then the calendar's end: the
ETag of what is assembled is checked against the row's, so a request never serves bytes other
than the build's under its validators.
"""

from . import event_store
from .builders import calendar_etag, calendar_from_pieces
from .layout_store import held_layout, stored_layouts
from .models import StoredFeed


def feed_content(feed: StoredFeed) -> bytes | None:
    """The bytes the feed's last build made, or None when they cannot be assembled: a row
    built before heads were kept or without a layout, or an event stored since for a newer
    state (its meeting was built anew, by another feed, before this feed's refresh ran). The
    caller then builds the feed (`services.feed_build`)."""
    if feed.head is None or not feed.layout:
        return None
    # The layout this process wrote or read last, with its pieces; else its stored parts
    # parsed and their pieces read (a web process holds none: a request comes here once per
    # change of the feed, then the cache answers).
    layout = held_layout(feed.key, feed.layout.get("token"))
    if layout is not None and layout.has_pieces:  # a refresh holds some without (`_layouts`)
        pieces, digests = layout.pieces(), layout.digests()
    else:
        layout = stored_layouts([feed])[feed.pk]
        pieces = event_store.stored_pieces(list(layout.states()))
        if pieces is None:
            return None
        digests = [digest for _, _, digest in pieces]
    head = bytes(feed.head)
    if calendar_etag(head, digests) != feed.etag:
        return None
    return calendar_from_pieces(head, pieces, now=feed.content_changed_at)
