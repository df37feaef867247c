"""Idempotent writes: the demo loader, the importer and backups write a row only when a value
differs, so running them again changes nothing (not even a history row)."""

from django.db import connection, transaction


def upsert(model, lookup: dict, values: dict | None = None):
    """Create the row, or update only the fields that differ; returns the row."""
    values = values or {}
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values)
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if changed:
        for field in changed:
            setattr(row, field, values[field])
        row.save(update_fields=changed)
    return row


def set_related(manager, rows) -> None:
    if set(manager.all()) != set(rows):
        manager.set(rows)


def lock_for_transaction(name: str) -> None:
    """Make the transactions that take the lock `name` run one after the other: it is held until
    the current transaction ends. For read-then-write work (find the meeting, else create it)
    that two requests could otherwise both do at once. On PostgreSQL, an advisory lock; SQLite
    needs none, since every transaction there begins IMMEDIATE (settings), holding the
    database's single write lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_transaction needs a transaction to hold the lock")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
