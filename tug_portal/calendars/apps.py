from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "tug_portal.calendars"
    label = "calendars"
