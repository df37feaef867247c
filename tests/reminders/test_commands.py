from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tug_portal.reminders.models import Delivery

pytestmark = pytest.mark.django_db

WHEN = "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific"


@pytest.fixture(autouse=True)
def seeded(demo):
    """Every command here runs over the shared demo data."""


def test_send_test_reminder_sends_the_programs_first_reminder_now():
    out = StringIO()

    call_command("send_test_reminder", "indu@example.com", meeting="tug-2018-10-16", stdout=out)

    (message,) = mail.outbox
    assert message.to == ["indu@example.com"]
    assert message.subject == f"[Test] Reminder: TUG meeting in 1 day, {WHEN}"
    assert message.attachments[0].get_filename() == "tug-2018-10-16.ics"
    assert out.getvalue() == (
        f"Sent the 1 day reminder of tug-2018-10-16 to indu@example.com: “{message.subject}”.\n"
    )
    assert not Delivery.objects.exists()


def test_send_test_reminder_of_another_offset():
    call_command(
        "send_test_reminder", "indu@example.com", meeting="tug-2018-10-16", before="2h",
        stdout=StringIO(),
    )  # fmt: skip

    assert mail.outbox[0].subject == f"[Test] Reminder: TUG meeting in 2 hours, {WHEN}"


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        (["indu@example.com"], {"meeting": "tug-1999-01-01"}, "No meeting with the slug"),
        (["not-an-address"], {"meeting": "tug-2018-10-16"}, "is not an email address"),
        (["indu@example.com"], {"meeting": "tug-2018-10-16", "before": "soon"}, "not a duration"),
    ],
)
def test_send_test_reminder_refuses_bad_input_clearly(args, options, error):
    with pytest.raises(CommandError, match=error):
        call_command("send_test_reminder", *args, **options)
    assert mail.outbox == []
