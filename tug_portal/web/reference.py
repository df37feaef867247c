"""What the public pages read besides their own content: the active programs (the filter's
choices, the program cards, the subscribe box, a program's page with its dial-ins and links), the
systems (the filter's choices) and the "stay connected" links of the footer. A few dozen rows
that change a few times a year, which cost three or four queries (and their ORM work) on every
page rendered afresh (issue 17).

They are read together once per content version (cache.py: every committed edit bumps it,
including those of programs, systems and links, receivers.py) and kept in this process's memory:
an edit shows on the next request in every process, as each reads the version first. The version
is read before the rows, as for pages: rows read while an edit commits are kept under the old
version and never used. What is kept is shared by the requests of this process: the pages only
read it."""

import threading
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch

from tug_portal.meetings import search, selectors
from tug_portal.meetings.models import Program, StayConnectedLink, System

from .cache import content_version


@dataclass(frozen=True)
class Reference:
    programs: tuple[Program, ...]  # active ones, with their contact, dial-ins and links
    systems: tuple[System, ...]  # by code
    footer_links: tuple[StayConnectedLink, ...]  # every active program's, each once

    @cached_property
    def programs_by_id(self) -> dict[int, Program]:
        return {program.pk: program for program in self.programs}


_kept: tuple[int, Reference] | None = None
_kept_lock = threading.Lock()


def reference(*, version: int | None = None) -> Reference:
    """The reference rows as of the current content version (`version`, when the caller has
    just read it: one cache read per request)."""
    global _kept
    if version is None:
        version = content_version()
    kept = _kept
    if kept is not None and kept[0] == version:
        return kept[1]
    read = _read()
    with _kept_lock:
        _kept = (version, read)
    return read


def forget() -> None:
    """Drop what this process keeps (tests start each with an empty cache and none of it)."""
    global _kept
    with _kept_lock:
        _kept = None


def _read() -> Reference:
    programs = selectors.programs_active().prefetch_related(
        "dial_ins", Prefetch("links", queryset=StayConnectedLink.objects.order_by("order", "pk"))
    )
    return Reference(
        programs=tuple(programs),
        systems=tuple(search.systems_all()),
        footer_links=tuple(search.stay_connected_links_all()),
    )
