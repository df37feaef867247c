"""The portal's own settings, with the one change a benchmark needs: the acceptable-use
limiter has no rules. It would answer 429 to a load generator that asks for the same feed many
times a second from one address (which is its job). Its middleware still runs on every request
(it finds no rule), so the bench measures the same stack as production."""

from tug_portal.settings import *  # noqa: F403

TUG_AUP_RULES: list = []
