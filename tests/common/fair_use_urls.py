"""Views that take simulated time, for the fair-use cost tests (tests/common/test_fair_use.py)."""

from django.http import HttpResponse
from django.urls import path

# The test's time_machine traveller and how long a "slow" request takes, set by the test.
work = {"traveller": None, "seconds": 0.0}


def slow(request):
    work["traveller"].shift(work["seconds"])
    return HttpResponse("done")


def cheap(request):
    return HttpResponse("done")


urlpatterns = [path("slow/", slow, name="slow"), path("cheap/", cheap, name="cheap")]
