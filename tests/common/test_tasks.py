"""The beat schedule and the tasks it names: one literal in settings, every entry a registered
task, and a stored entry holding a task's old name rewritten when beat starts."""

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from tug_portal.celery import app as celery_app
from tug_portal.reminders import tasks as reminder_tasks


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name


@pytest.mark.django_db(transaction=True)  # the scheduler closes old connections
def test_beat_rewrites_a_stored_entry_holding_the_old_task_name():
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(
        every=600, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name="reminders-sweep",
        task="tug_portal.reminders.tasks.sweep",
        interval=every_ten_minutes,
    )

    DatabaseScheduler(app=celery_app)  # what `celery beat` does when it starts

    stored = PeriodicTask.objects.get(name="reminders-sweep")
    assert stored.task == "tug_portal.reminders.tasks.sweep_reminders"
    assert PeriodicTask.objects.filter(task="tug_portal.reminders.tasks.sweep").count() == 0


@pytest.mark.django_db
def test_a_sweep_queued_under_its_old_name_still_runs_the_sweep(monkeypatch):
    planned = []
    monkeypatch.setattr(
        reminder_tasks.planner, "upcoming_plan_deliveries", lambda: planned.append(True) or 0
    )

    celery_app.tasks["tug_portal.reminders.tasks.sweep"].apply().get()

    assert planned == [True]
