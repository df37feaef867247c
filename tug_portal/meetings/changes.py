"""Collects which meetings a transaction touched and, once it commits, syncs their calendar state.

Receivers of Django's model signals only note ids; the work runs once per transaction in an
on-commit callback, so saving a meeting with twelve inline rows syncs it once, and a transaction
that rolls back syncs nothing.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from . import models


class PendingSync:
    """One per transaction: the meetings and programs to sync when it commits."""

    def __init__(self):
        self.meeting_ids: set[int] = set()
        self.program_ids: set[int] = set()
        self.deleted: dict[int, int] = {}  # meeting id -> program id
        self.left_programs: set[int] = set()  # programs a meeting was moved out of
        self.system_ids: set[int] = set()  # systems saved (their feeds name them)
        self.registered = False  # with the transaction's on-commit callbacks
        self.has_run = False
        # Django names a robust callback that failed by its __qualname__, which an instance
        # lacks: without it the log line itself raises, and the failure reaches the editor.
        self.__qualname__ = type(self).__qualname__

    def __call__(self):
        from .services import meetings_sync_after_commit

        self.has_run = True
        meetings_sync_after_commit(
            meeting_ids=self.meeting_ids,
            program_ids=self.program_ids,
            deleted=self.deleted,
            left_programs=self.left_programs,
            system_ids=self.system_ids,
        )


def pending_sync() -> PendingSync:
    """The transaction's PendingSync, registered on first use. Outside a transaction a fresh
    one is returned and runs when `note()` registers it."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, PendingSync) and not callback.has_run:
                return callback
    return PendingSync()


def note(*, meeting_ids=(), program_ids=(), deleted=None, left_programs=(), system_ids=()):
    pending = pending_sync()
    pending.meeting_ids.update(meeting_ids)
    pending.program_ids.update(program_ids)
    pending.deleted.update(deleted or {})
    pending.left_programs.update(left_programs)
    pending.system_ids.update(system_ids)
    if not pending.registered:
        pending.registered = True
        # robust: a failure to notify consumers must not undo or break an edit already saved.
        transaction.on_commit(pending, robust=True)


def _meeting_saved(sender, instance, **kwargs):
    # A meeting moved to another program: the feeds of the one it left must hear of it too
    # (`Meeting.from_db` keeps the program it was read with; no query).
    loaded = getattr(instance, "loaded_program_id", None)
    left = [loaded] if loaded is not None and loaded != instance.program_id else []
    note(meeting_ids=[instance.pk], left_programs=left)
    instance.loaded_program_id = instance.program_id


def _meeting_deleted(sender, instance, **kwargs):
    note(deleted={instance.pk: instance.program_id})


def _child_changed(sender, instance, **kwargs):
    note(meeting_ids=[instance.meeting_id])


def _program_saving(sender, instance, raw=False, **kwargs):
    # Switching a program off (or on) changes none of its meetings' calendars, yet takes them
    # off (or puts them back on) every public page, feed and reminder: noted as edits of them.
    if raw or instance.pk is None:
        return
    was_active = (
        models.Program.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )
    instance._activation_switched = was_active is not None and was_active != instance.is_active


def _program_changed(sender, instance, **kwargs):
    meeting_ids = ()
    if getattr(instance, "_activation_switched", False):
        meeting_ids = set(instance.meetings.values_list("pk", flat=True))
    note(meeting_ids=meeting_ids, program_ids=[instance.pk])


def _topic_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # topic.systems.add(system)
        if action.startswith("post_"):
            note(meeting_ids=[instance.meeting_id])
    elif action == "pre_clear":  # system.topics.clear(): the topics are named only before
        note(meeting_ids=_meetings_of_topics_with(instance))
    elif action.startswith("post_") and pk_set:  # system.topics.remove(topic)
        topics = models.AgendaTopic.objects.filter(pk__in=pk_set)
        note(meeting_ids=set(topics.values_list("meeting_id", flat=True)))


def _meetings_of_topics_with(person_or_system) -> set[int]:
    field = "facilitators" if isinstance(person_or_system, models.Person) else "systems"
    topics = models.AgendaTopic.objects.filter(**{field: person_or_system})
    return set(topics.values_list("meeting_id", flat=True))


def _person_or_system_saved(sender, instance, **kwargs):
    if not kwargs.get("created"):
        _note_meetings_showing(instance)


def _person_or_system_deleting(sender, instance, **kwargs):
    # Its links to topics (and a person's as a contact) go without a signal of their own:
    # the meetings showing it are noted now, synced once the deletion commits.
    _note_meetings_showing(instance)


def _note_meetings_showing(instance) -> None:
    meeting_ids = _meetings_of_topics_with(instance)
    if isinstance(instance, models.Person):
        meeting_ids |= set(
            models.Meeting.objects.filter(contact=instance).values_list("pk", flat=True)
        )
        program_ids = models.Program.objects.filter(contact=instance).values_list("pk", flat=True)
        note(meeting_ids=meeting_ids, program_ids=program_ids)
    else:  # a system: its own calendar feeds name it, even those that hold none of its meetings
        note(meeting_ids=meeting_ids, system_ids=[instance.pk])


def connect():
    uid = "meetings.changes"
    post_save.connect(_meeting_saved, sender=models.Meeting, dispatch_uid=f"{uid}.meeting")
    post_delete.connect(_meeting_deleted, sender=models.Meeting, dispatch_uid=f"{uid}.meeting")
    for child in (models.AgendaTopic, models.MeetingDialIn):
        post_save.connect(_child_changed, sender=child, dispatch_uid=f"{uid}.{child.__name__}")
        post_delete.connect(_child_changed, sender=child, dispatch_uid=f"{uid}.{child.__name__}")
    for through in (
        models.AgendaTopic.facilitators.through,
        models.AgendaTopic.systems.through,
    ):
        m2m_changed.connect(_topic_m2m_changed, sender=through, dispatch_uid=f"{uid}.{through}")
    pre_save.connect(_program_saving, sender=models.Program, dispatch_uid=f"{uid}.program")
    post_save.connect(_program_changed, sender=models.Program, dispatch_uid=f"{uid}.program")
    for model in (models.Person, models.System):
        post_save.connect(
            _person_or_system_saved, sender=model, dispatch_uid=f"{uid}.{model.__name__}"
        )
        pre_delete.connect(
            _person_or_system_deleting, sender=model, dispatch_uid=f"{uid}.{model.__name__}"
        )
