from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "tug_portal.reminders"
    label = "reminders"
    verbose_name = "Meeting reminders"
    # Models the "ISO staff" group may add, change, delete and view (the admin narrows what
    # each one allows: deliveries and logs are read-only, subscriptions come from the public).
    iso_staff_models = (
        "ReminderPolicy",
        "ReminderOffset",
        "Subscriber",
        "Subscription",
        "Delivery",
        "MeetingReminderLog",
    )
    # /readyz fails while a due mail waits unsent too long (see tug_portal/common/health.py).
    readiness_checks = ("tug_portal.reminders.health.check_reminders",)

    def ready(self):
        from . import receivers

        receivers.connect()
