"""The materials' writes and reads that the admin and the preference pages lean on."""

from datetime import timedelta

import pytest

from tests.factories import make_program, make_subscription
from tug_portal.materials import selectors, services
from tug_portal.materials.models import MaterialPolicy, MaterialsOptIn
from tug_portal.reminders.models import Subscription

pytestmark = pytest.mark.django_db


def test_reading_a_programs_materials_settings_writes_nothing(settings):
    settings.TUG_MATERIALS_RECORDING_RETENTION_DAYS = 30
    program = make_program()

    policy = selectors.material_policy(program)

    assert policy.recording_retention == timedelta(days=30)
    assert not MaterialPolicy.objects.exists()


def test_reading_a_programs_materials_settings_gives_the_stored_ones():
    program = make_program()
    MaterialPolicy.objects.create(program=program, recording_retention=timedelta(days=7))

    assert selectors.material_policy(program).recording_retention == timedelta(days=7)


def test_setting_the_opt_ins_is_all_or_nothing():
    program = make_program()
    first = make_subscription("first@example.com", program)

    never_saved = Subscription(program=program)  # the second one fails

    with pytest.raises(ValueError):
        services.materials_opt_ins_set(subscriptions=[first, never_saved], wanted={first.pk})

    assert not MaterialsOptIn.objects.exists()
