"""Two staff members importing the same new agenda at the same moment get one meeting."""

import contextlib
import threading

import pytest
from django.db import connection

from tests.importer.test_services import SEED, fixture
from tug_portal.importer import services
from tug_portal.importer.services import ImportStatus, agenda_import
from tug_portal.meetings.models import Meeting

pytestmark = pytest.mark.django_db(transaction=True)

# How long the first import waits, after planning, for the second to plan too. Without the lock
# both plan "create" meanwhile; with it the second cannot start planning, and the first goes on
# alone after this wait.
RACE_SECONDS = 2


def test_simultaneous_imports_of_a_new_agenda_make_one_meeting(monkeypatch):
    planned = threading.Barrier(2, timeout=RACE_SECONDS)
    plan_for_real = services.agenda_plan

    def plan_then_wait_for_the_other(**kwargs):
        plan = plan_for_real(**kwargs)
        # Broken after the wait: the other import is waiting for the lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            planned.wait()
        return plan

    monkeypatch.setattr(services, "agenda_plan", plan_then_wait_for_the_other)
    outcomes, errors = [], []

    def import_seed():
        try:
            outcomes.append(agenda_import(source=fixture(SEED)).status)
        except Exception as error:  # reported below, with the outcomes
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=import_seed) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == sorted([ImportStatus.CREATED, ImportStatus.UPDATED])
    assert Meeting.objects.filter(slug="tug-2018-10-16").count() == 1
    assert Meeting.objects.filter(program__slug="tug", starts_at__date="2018-10-16").count() == 1
