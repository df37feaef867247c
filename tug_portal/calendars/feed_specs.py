"""Which feed a URL names: all programs or one, optionally one system's topics, recent or the
whole archive. A FeedSpec is plain data; its `key` names the stored feed and its cache entry."""

import re
from dataclasses import dataclass

from tug_portal.meetings.selectors import program_slug_key, system_code_key

SYSTEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$")


class BadFeedRequest(ValueError):
    """A feed URL's query the portal cannot answer; the message says what to write instead."""


@dataclass(frozen=True)
class FeedSpec:
    program: str = ""  # a program's slug as its key (`program_slug_key`); "" = all programs
    system: str = ""  # a system's code as its key (`system_code_key`); "" = any topic
    full_history: bool = False

    @property
    def key(self) -> str:
        """ "all", "tug", "all?system=drrs", "tug?system=drrs&history=all", ..."""
        query = "&".join(
            part
            for part in (
                f"system={self.system}" if self.system else "",
                "history=all" if self.full_history else "",
            )
            if part
        )
        return f"{self.program or 'all'}{'?' + query if query else ''}"

    @property
    def filename(self) -> str:
        parts = [self.program or "all", self.system, "archive" if self.full_history else ""]
        return "-".join(part for part in parts if part) + ".ics"

    @property
    def query(self) -> dict[str, str]:
        """The query string that, with the feed's path, names this feed."""
        query = {"system": self.system} if self.system else {}
        if self.full_history:
            query["history"] = "all"
        return query


def feed_spec_from_query(program: str, query) -> FeedSpec:
    """The feed a request names, from the path's program slug and the query string. Slug and
    code in any case name one feed, stored once (the selectors' rules' keys): served under every
    spelling, never redirected, so that a subscribed URL goes on working as it was typed."""
    system = query.get("system", "").strip()
    if system and not SYSTEM_CODE.match(system):
        raise BadFeedRequest("system must be a system code such as DRRS.")
    history = query.get("history", "").strip().lower()
    if history not in ("", "all"):
        raise BadFeedRequest("history can only be 'all' (the whole archive).")
    return FeedSpec(
        program=program_slug_key(program),
        system=system_code_key(system),
        full_history=history == "all",
    )
