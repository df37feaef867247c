"""Celery tasks of the materials; each calls one service and is safe to run twice."""

from tug_portal.common.tasks import portal_task

from . import services


@portal_task()
def expire_materials() -> None:
    """Beat, every 10 minutes: unpublish what is past its last day, delete due files."""
    services.materials_expire()
