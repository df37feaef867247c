"""How the public pages learn that what they show changed: the core's `meetings_changed` (sent
after the change committed), and the saves of the models shown on the pages but not in the
calendars (their edits send no `meetings_changed`). Either makes every cached page stale."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from tug_portal.meetings.signals import meetings_changed

from .cache import content_version_bump, content_version_bump_on_commit

# Shown on the pages but not in the calendars, so their edits send no `meetings_changed`; and
# programs and systems, whose edits send it only when a meeting's calendar snapshot changes
# (a program's schedule or description, a system no topic names, are in none); the pages list
# them all (the filter's choices, the program cards: reference.py keeps them per content version).
# A person is a program's contact on its page even when no meeting's calendar names them.
PAGE_ONLY_MODELS = (
    "Announcement",
    "Person",
    "StayConnectedLink",
    "ProgramDialIn",
    "Document",
    "Program",
    "System",
)


def connect() -> None:
    meetings_changed.connect(content_version_bump, dispatch_uid="web-page-cache-version")
    for name in PAGE_ONLY_MODELS:
        model = apps.get_model("meetings", name)
        for signal in (post_save, post_delete):
            signal.connect(
                content_version_bump_on_commit,
                sender=model,
                dispatch_uid=f"web-page-cache-version.{name}",
            )
    announcement = apps.get_model("meetings", "Announcement")
    topic = apps.get_model("meetings", "AgendaTopic")
    # A topic's documents are on its meeting's page, not in its calendar snapshot.
    throughs = (
        announcement.systems.through,
        announcement.documents.through,
        topic.documents.through,
    )
    for through in throughs:
        m2m_changed.connect(
            content_version_bump_on_commit,
            sender=through,
            dispatch_uid=f"web-page-cache-version.{through.__name__}",
        )
