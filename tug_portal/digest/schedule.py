"""When a digest goes out: a local day and hour of a week, in the subscriber's zone.

A week is named by its Monday (in the subscriber's zone). The send moment is that week's day
and hour as a wall clock in the zone, turned into UTC by the zone's rules for that very date,
so 08:00 stays 08:00 local across a DST change (in UTC it moves by the hour). An hour that does
not exist that day (02:00 on a spring-forward Sunday in the US) is read as the clock before the
change would (03:00 after it); a repeated one is its first occurrence.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from tug_portal.meetings.timeutil import local_to_utc

WEEK = timedelta(days=7)


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=4096)  # the dispatcher checks each digest's moment: a few distinct ones
def send_moment(*, week: date, weekday: int, hour: int, time_zone: str) -> datetime:
    """The UTC instant of the digest of `week` sent on `weekday` (0 Monday) at `hour` local."""
    return local_to_utc(week + timedelta(days=weekday), time(hour), time_zone)


def moments_near(
    *, now: datetime, weekday: int, hour: int, time_zone: str, ahead: timedelta, grace: timedelta
) -> list[tuple[date, datetime]]:
    """(week, moment) of each send moment with `now - grace <= moment <= now + ahead`: those the
    planner keeps a row for. Last week's and next week's are looked at too, for a window that
    crosses a week's end."""
    this_week = week_of(now.astimezone(zoneinfo.ZoneInfo(time_zone)).date())
    found = []
    for week in (this_week - WEEK, this_week, this_week + WEEK):
        moment = send_moment(week=week, weekday=weekday, hour=hour, time_zone=time_zone)
        if now - grace <= moment <= now + ahead:
            found.append((week, moment))
    return found


def next_moment(*, now: datetime, weekday: int, hour: int, time_zone: str) -> datetime:
    """The first send moment after `now` (the staff preview shows that digest)."""
    this_week = week_of(now.astimezone(zoneinfo.ZoneInfo(time_zone)).date())
    for week in (this_week, this_week + WEEK):
        moment = send_moment(week=week, weekday=weekday, hour=hour, time_zone=time_zone)
        if moment > now:
            return moment
    raise AssertionError("a week always has a moment after now")  # pragma: no cover
