"""The stored search documents (`SearchDocument`): what free text is matched against, written
whenever what it holds changes, so that a search costs an index lookup, never a pass over the
archive.

A meeting's document is its title and notes, its topics' titles and bodies and its facilitators'
names; an announcement's, its title and body. The database indexes the text (migration 0002): on
PostgreSQL a trigger fills the `vector` column (`to_tsvector('english', text)`, GIN-indexed), on
SQLite triggers copy it into an FTS5 table. This module only writes `text`.

The documents are rewritten inside the transaction that changes their sources (receivers of the
model signals, connected by `connect()`), so a document always agrees with the rows it was made
from and rolls back with them. A write of many rows at once (the admin saving a meeting and its
inline topics, an agenda import) runs inside `deferred()`: the receivers only note what changed,
and each document is rewritten once, when the block ends, still inside the transaction.

Bulk writes that bypass signals (the bench dataset, bulk test data) call
`search_documents_refresh` themselves; `search_documents_rebuild` (`manage.py
rebuild_search_documents`) redoes them all, for rows written around the models.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.apps import apps as global_apps
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

CHUNK = 500  # ids per round of queries: well under SQLite's limit on query parameters


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def meeting_texts(meeting_ids: Iterable[int], *, apps=global_apps) -> dict[int, str]:
    """{meeting id: its document text} for the meetings that exist; three queries."""
    meeting_model = apps.get_model("meetings", "Meeting")
    topic_model = apps.get_model("meetings", "AgendaTopic")
    ids = list(meeting_ids)
    topics = defaultdict(list)
    for meeting_id, title, body in (
        topic_model.objects.filter(meeting_id__in=ids)
        .order_by("meeting_id", "order", "pk")
        .values_list("meeting_id", "title", "body")
    ):
        topics[meeting_id] += [title, body]
    names = defaultdict(list)
    for meeting_id, name in (
        topic_model.facilitators.through.objects.filter(agendatopic__meeting_id__in=ids)
        .order_by("agendatopic__meeting_id", "person__name")
        .values_list("agendatopic__meeting_id", "person__name")
        .distinct()
    ):
        names[meeting_id].append(name)
    return {
        pk: _join(title, notes, *topics[pk], *names[pk])
        for pk, title, notes in meeting_model.objects.filter(pk__in=ids).values_list(
            "pk", "title", "notes"
        )
    }


def announcement_texts(announcement_ids: Iterable[int], *, apps=global_apps) -> dict[int, str]:
    announcement_model = apps.get_model("meetings", "Announcement")
    return {
        pk: _join(title, body)
        for pk, title, body in announcement_model.objects.filter(
            pk__in=list(announcement_ids)
        ).values_list("pk", "title", "body")
    }


def search_documents_refresh(
    *, meeting_ids: Iterable[int] = (), announcement_ids: Iterable[int] = (), apps=global_apps
) -> None:
    """Rewrite the documents of these meetings and announcements from their rows (a document
    of one that no longer exists is dropped). A handful of queries per 500 ids."""
    document_model = apps.get_model("meetings", "SearchDocument")
    for owner, texts_of, ids in (
        ("meeting", meeting_texts, meeting_ids),
        ("announcement", announcement_texts, announcement_ids),
    ):
        for chunk in _chunks(ids):
            texts = texts_of(chunk, apps=apps)
            # Delete and insert rather than update: the same two statements for one id or 500,
            # and the database's triggers keep its index in step either way.
            document_model.objects.filter(**{f"{owner}_id__in": chunk}).delete()
            document_model.objects.bulk_create(
                document_model(**{f"{owner}_id": pk}, text=text) for pk, text in texts.items()
            )


def search_documents_rebuild(*, apps=global_apps) -> int:
    """Every document again, from the rows; returns how many there are."""
    meeting_ids = apps.get_model("meetings", "Meeting").objects.values_list("pk", flat=True)
    announcement_ids = apps.get_model("meetings", "Announcement").objects.values_list(
        "pk", flat=True
    )
    search_documents_refresh(
        meeting_ids=list(meeting_ids), announcement_ids=list(announcement_ids), apps=apps
    )
    return apps.get_model("meetings", "SearchDocument").objects.count()


# --- Kept current on save -----------------------------------------------------------------------


class _Pending:
    def __init__(self):
        self.meeting_ids: set[int] = set()
        self.announcement_ids: set[int] = set()


_pending: ContextVar[_Pending | None] = ContextVar("search_index_pending", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within the block, the documents its writes touch are rewritten once, at its end (not
    after every row); nothing is rewritten if it raises. Nests: the outermost block writes.
    Also a decorator."""
    if _pending.get() is not None:
        yield
        return
    pending = _Pending()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    search_documents_refresh(
        meeting_ids=pending.meeting_ids, announcement_ids=pending.announcement_ids
    )


def _refresh(*, meeting_ids: Iterable[int] = (), announcement_ids: Iterable[int] = ()) -> None:
    pending = _pending.get()
    if pending is None:
        search_documents_refresh(meeting_ids=meeting_ids, announcement_ids=announcement_ids)
    else:
        pending.meeting_ids.update(meeting_ids)
        pending.announcement_ids.update(announcement_ids)


def _started_by_meeting_delete(origin) -> bool:
    """A topic deleted because its meeting is: the meeting's document goes with the meeting."""
    from .models import Meeting

    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model is Meeting


def _meeting_saved(sender, instance, **kwargs):
    _refresh(meeting_ids=[instance.pk])


def _topic_saved(sender, instance, **kwargs):
    _refresh(meeting_ids=[instance.meeting_id])


def _topic_deleted(sender, instance, origin=None, **kwargs):
    if not _started_by_meeting_delete(origin):
        _refresh(meeting_ids=[instance.meeting_id])


def _facilitators_changed(sender, instance, action, reverse, pk_set, **kwargs):
    from .models import AgendaTopic

    if not action.startswith("post_"):
        return
    if not reverse:  # topic.facilitators.add(person)
        _refresh(meeting_ids=[instance.meeting_id])
    elif pk_set:  # person.topics.add(topic)
        meeting_ids = AgendaTopic.objects.filter(pk__in=pk_set).values_list("meeting_id", flat=True)
        _refresh(meeting_ids=list(meeting_ids))
    # A reverse clear (person.topics.clear()) names no topics: the person's pre_delete and the
    # next edit of those meetings catch it; nothing in the portal clears that way.


def _meetings_of(person) -> list[int]:
    from .models import AgendaTopic

    return list(
        AgendaTopic.objects.filter(facilitators=person)
        .values_list("meeting_id", flat=True)
        .distinct()
    )


def _person_saved(sender, instance, created, **kwargs):
    if not created:  # a new person facilitates nothing yet
        _refresh(meeting_ids=_meetings_of(instance))


def _person_deleting(sender, instance, **kwargs):
    # The topics' links to the person go without an m2m signal: note the meetings now, refresh
    # them once the person is gone.
    instance._search_meeting_ids = _meetings_of(instance)


def _person_deleted(sender, instance, **kwargs):
    _refresh(meeting_ids=getattr(instance, "_search_meeting_ids", []))


def _announcement_saved(sender, instance, **kwargs):
    _refresh(announcement_ids=[instance.pk])


def connect():
    from . import models

    uid = "meetings.search_index"
    post_save.connect(_meeting_saved, sender=models.Meeting, dispatch_uid=f"{uid}.meeting")
    post_save.connect(_topic_saved, sender=models.AgendaTopic, dispatch_uid=f"{uid}.topic")
    post_delete.connect(_topic_deleted, sender=models.AgendaTopic, dispatch_uid=f"{uid}.topic")
    m2m_changed.connect(
        _facilitators_changed,
        sender=models.AgendaTopic.facilitators.through,
        dispatch_uid=f"{uid}.facilitators",
    )
    post_save.connect(_person_saved, sender=models.Person, dispatch_uid=f"{uid}.person")
    pre_delete.connect(_person_deleting, sender=models.Person, dispatch_uid=f"{uid}.person")
    post_delete.connect(_person_deleted, sender=models.Person, dispatch_uid=f"{uid}.person")
    post_save.connect(
        _announcement_saved, sender=models.Announcement, dispatch_uid=f"{uid}.announcement"
    )
