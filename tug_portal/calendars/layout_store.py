"""Where feeds' layouts (`feed_layout`) are kept: their parts' entries in the table
(`StoredFeedPart`, one row per feed and year), and the layouts this process wrote or read
lately, whole (states, entries, pieces), so that a worker patching a feed again reads nothing
of it back.

A feed's row names its layout by a token (`StoredFeed.layout["token"]`), new with every write:
a held layout is used only when its token is the row's (a build rolled back, or made by another
process, leaves another). A held layout keeps its events' pieces alive while it is held (at
most `HELD_LAYOUTS_MAX` feeds, sharing the pieces of the meetings they have in common: about an
archive's events in all).
"""

import threading
from collections import OrderedDict

from django.db import connection

from . import event_store
from .binary_writes import execute_binary
from .event_store import EventProgram
from .feed_layout import Layout, LayoutPart, decoded, layout_built_at, years_of
from .models import StoredFeedPart

HELD_LAYOUTS_MAX = 64
_held: OrderedDict[str, Layout] = OrderedDict()
_held_lock = threading.Lock()


def hold_layout(key: str, layout: Layout) -> None:
    with _held_lock:
        _held[key] = layout
        _held.move_to_end(key)
        while len(_held) > HELD_LAYOUTS_MAX:
            _held.popitem(last=False)


def held_layout(key: str, token: str | None) -> Layout | None:
    with _held_lock:
        layout = _held.get(key)
    return layout if layout is not None and layout.token == token else None


def forget_held_layouts() -> None:
    with _held_lock:
        _held.clear()


# --- The table ----------------------------------------------------------------------------------


def stored_layouts(feeds) -> dict[int, Layout]:
    """{feed id: the layout its row names}: held by this process (it wrote or read it last),
    else made from its stored parts (one query for all the feeds, each row a part as it was
    written: no entry encoded again), its pieces not looked up (`layout_with_pieces`), and held
    from now on."""
    layouts, missing = {}, {}
    for feed in feeds:
        held = held_layout(feed.key, feed.layout.get("token"))
        if held is not None:
            layouts[feed.pk] = held
        else:
            missing[feed.pk] = feed
    if not missing:
        return layouts
    parts: dict[int, dict[int, LayoutPart]] = {pk: {} for pk in missing}
    programs: dict[str, EventProgram] = {}
    rows = (
        StoredFeedPart.objects.filter(feed_id__in=list(missing))
        .order_by("feed_id", "year")
        .values_list("feed_id", "year", "entries")
    )
    for feed_id, year, entries in rows:
        lines = bytes(entries).split(b"\n")
        states = [decoded(line, programs) for line in lines]
        parts[feed_id][year] = LayoutPart.of(year, states, lines, None)
    for pk, feed in missing.items():
        layouts[pk] = Layout(
            token=feed.layout.get("token"),
            built_at=layout_built_at(feed.layout),
            parts=parts[pk],
            year_of=years_of(parts[pk]),
        )
        hold_layout(feed.key, layouts[pk])
    return layouts


def layout_with_pieces(key: str, layout: Layout) -> Layout | None:
    """The layout with its events' pieces as stored, held from now on; None when a piece is
    missing or stored for a newer state (its meeting was built anew since, by another feed):
    the feed is then rebuilt from the database."""
    if layout.has_pieces:
        return layout
    pieces = event_store.stored_pieces(list(layout.states()))
    if pieces is None:
        return None
    layout = layout.with_pieces(pieces)
    hold_layout(key, layout)
    return layout


def _upsert_sql(entries_placeholder: str) -> str:
    quote = connection.ops.quote_name
    table = quote(StoredFeedPart._meta.db_table)
    return (
        f"INSERT INTO {table} (feed_id, year, entries) "  # noqa: S608 - the table name is ours
        f"VALUES (%s, %s, {entries_placeholder}) "
        "ON CONFLICT (feed_id, year) DO UPDATE SET entries = excluded.entries"
    )


def parts_write(feed_id: int, layout: Layout, *, years=None) -> None:
    """Store the layout's parts of these `years` (None: all, and no other), and delete those
    of them it no longer has, in the caller's transaction. One statement for the rows written
    (on PostgreSQL as binary parameters, `binary_writes`), one for the rows gone."""
    written = [part for year, part in layout.parts.items() if years is None or year in years]
    rows = [(feed_id, part.year, part.entries_bytes()) for part in written]
    parts = StoredFeedPart.objects.filter(feed_id=feed_id)
    if years is None:
        parts.exclude(year__in=list(layout.parts)).delete()
    elif emptied := [year for year in years if year not in layout.parts]:
        parts.filter(year__in=emptied).delete()
    if not rows:
        return
    if connection.vendor == "postgresql":
        execute_binary(_upsert_sql("%b"), rows, many=True)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql("%s"), rows)
