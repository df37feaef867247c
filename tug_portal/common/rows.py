"""Idempotent writes: the demo loader, the importer and backups write a row only when a value
differs, so running them again changes nothing (not even a history row)."""


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
