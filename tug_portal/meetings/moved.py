"""A meeting's address typed in another case, as agendas print it ("TUG-2018-10-16"), is moved
(301) to the meeting's own slug: its page (web) and its calendar (calendars) alike. An address
naming the day a meeting was moved to ("tug-2030-03-12" for a meeting made for the 5th) is sent
on to it (302: that day's address may later name a meeting of its own). Asked only once the
exact slug found nothing; a meeting the user may not see stays a 404, and a redirect for staff
(who may be sent to a draft) is private: no shared cache keeps it."""

from functools import wraps

from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .selectors import can_see_drafts, meeting_slug_on_day, meeting_slug_spelled


def moved_to_own_slug(url_name: str):
    """For a view of one meeting by `slug`; `url_name` is the view's own. The query the view
    reads goes along (a calendar's `?alarm=`)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            try:
                return view(request, slug, *args, **kwargs)
            except Http404:
                redirect = HttpResponsePermanentRedirect
                own = meeting_slug_spelled(slug, user=request.user)
                if not own:
                    redirect = HttpResponseRedirect
                    own = meeting_slug_on_day(slug, user=request.user)
                if not own:
                    raise
                query = request.GET.urlencode()
                url = reverse(url_name, args=[own]) + (f"?{query}" if query else "")
                response = redirect(url)
                if can_see_drafts(request.user):
                    patch_cache_control(response, private=True)
                return response

        return wrapper

    return decorate
