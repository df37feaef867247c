"""The demo data as tests see it (`tug_portal.meetings.demo.load_demo`): the moment the shared
`demo` fixture freezes the clock at, and the meetings it holds then."""

import zoneinfo
from datetime import UTC, datetime

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")

# The seed agenda's meeting: the TUG of 16 October 2018.
SEED_SLUG = "tug-2018-10-16"

# The moment the `demo` fixture is seen at: the day after the seed meeting, when the 16 October
# TUG is past and the 30 October TUG is next.
DAY_AFTER_SEED = datetime(2018, 10, 17, 9, 0, tzinfo=PACIFIC)

# Saturday 20 October 2018, noon Pacific: the API tests' moment (tests/api/conftest.py says so):
# still after the seed TUG meeting, before the next TUG (30 Oct) and the CPG meeting the seed
# announces (1 Nov).
DEMO_NOW = datetime(2018, 10, 20, 19, 0, tzinfo=UTC)

# Every demo meeting, soonest first: the seed meeting, then the four upcoming meetings the
# recurrence of each program proposes (the same at both moments above).
DEMO_MEETING_SLUGS = [
    SEED_SLUG,
    "tug-2018-10-30",
    "cpg-2018-11-01",
    "tug-2018-11-13",
    "tug-2018-11-27",
    "cpg-2018-12-06",
    "tug-2018-12-11",
    "cpg-2019-01-03",
    "cpg-2019-02-07",
]
UPCOMING_SLUGS = DEMO_MEETING_SLUGS[1:]
