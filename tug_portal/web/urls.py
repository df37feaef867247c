from django.urls import path

from . import feeds, views
from .cache import cache_public_page

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("programs/<slug:slug>/", views.program_detail, name="program_detail"),
    path("programs/<slug:slug>/agenda-request/", views.agenda_request, name="agenda_request"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting_detail"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    # Served like the pages: from the page cache, made stale by any announcement's edit.
    path(
        "announcements/feed/",
        cache_public_page(feeds.AnnouncementsFeed()),
        name="announcement_feed",
    ),
    path("announcements/<slug:slug>/", views.announcement_detail, name="announcement_detail"),
]
