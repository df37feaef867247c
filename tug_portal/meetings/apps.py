from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tug_portal.meetings"
    label = "meetings"
    verbose_name = "Meeting programs"
    # Models the "ISO staff" group may add, change, delete and view.
    iso_staff_models = (
        "Program",
        "ProgramDialIn",
        "StayConnectedLink",
        "Person",
        "System",
        "Document",
        "Meeting",
        "MeetingDialIn",
        "AgendaTopic",
        "Announcement",
        "AgendaRequest",
    )

    def ready(self):
        from . import changes, rendered_markdown, search_index

        changes.connect()
        search_index.connect()
        rendered_markdown.connect()
