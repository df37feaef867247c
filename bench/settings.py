"""The portal's own settings, with the one change a benchmark needs: the fair-use budgets are
off, except where a row turns them on (`TUG_BENCH_FAIR_USE=1`: row 7, the search flood, measures
the portal as deployed). They would answer 429 to a load generator that asks for the same feed
many times a second from one address (which is their job). Their middleware still runs on every
request (it returns at once), so the other rows measure the same stack as production."""

import os

from tug_portal.settings import *  # noqa: F403

TUG_FAIR_USE_ENABLED = os.environ.get("TUG_BENCH_FAIR_USE") == "1"
