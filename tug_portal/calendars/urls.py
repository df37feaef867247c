from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("calendar/help/", views.subscribe_help, name="help"),
    path("calendar/all.ics", views.feed_all, name="feed_all"),
    path("calendar/<slug:slug>.ics", views.feed_program, name="feed_program"),
    # Before the web app's /meetings/<slug>/ (this app's urls are included first).
    path("meetings/<slug:slug>.ics", views.meeting_ics, name="meeting_ics"),
]
