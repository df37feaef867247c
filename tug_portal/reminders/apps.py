from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tug_portal.reminders"
    label = "reminders"
