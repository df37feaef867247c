"""The portal's own settings, with the one change a benchmark needs: the fair-use budgets are
off. They would answer 429 to a load generator that asks for the same feed many times a second
from one address (which is their job). Their middleware still runs on every request (it
returns at once), so the bench measures the same stack as production."""

from tug_portal.settings import *  # noqa: F403

TUG_FAIR_USE_ENABLED = False
