"""Template tags for staff pages: tell the editors when the background jobs have stopped."""

from django import template
from django.conf import settings

from tug_portal.common.health import banner_beat_age, beat_is_stale

register = template.Library()


@register.inclusion_tag("admin/includes/beat_banner.html", takes_context=True)
def beat_banner(context):
    """A warning on every admin page once beat has not run for TUG_BEAT_STALE_AFTER seconds:
    until it runs again, feeds are not rebuilt and no reminder is sent."""
    request = context.get("request")
    if not (request and request.user.is_authenticated and request.user.is_staff):
        return {"stale": False}
    age = banner_beat_age()
    return {
        "stale": beat_is_stale(age),
        "minutes": None if age is None else int(age.total_seconds() // 60),
        "threshold_minutes": settings.TUG_BEAT_STALE_AFTER // 60,
    }
