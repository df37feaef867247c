"""A URL configuration with the namespaces and names the AUP rules in settings speak of, served
by tiny views, so that the policy is tested apart from the apps it protects."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from tug_portal.common import urls as common_urls

ETAG = '"v1"'


def feed(request, slug):
    if request.headers.get("If-None-Match") == ETAG:
        return HttpResponse(status=304)
    response = HttpResponse(f"BEGIN:VCALENDAR {slug}", content_type="text/calendar")
    response["ETag"] = ETAG
    return response


def agenda_request(request, slug):
    if request.method == "POST" and not request.POST.get("topic"):
        return HttpResponse("Please name a topic.", status=400)
    return HttpResponse(f"Thank you ({slug}).")


def api_programs(request):
    return HttpResponse('[{"slug": "tug"}]', content_type="application/json")


calendars = [path("calendar/<slug:slug>.ics", feed, name="feed_program")]
web = [path("programs/<slug:slug>/request/", agenda_request, name="agenda_request")]
api = [path("programs", api_programs, name="program_list")]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(common_urls)),
    path("", include((calendars, "calendars"))),
    path("", include((web, "web"))),
    path("api/v1/", include((api, "api"))),
]
