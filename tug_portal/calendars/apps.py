from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "tug_portal.calendars"
    label = "calendars"
    verbose_name = "Calendar feeds"

    def ready(self):
        from . import receivers

        receivers.connect()
