from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from tug_portal.reminders import selectors, services
from tug_portal.reminders.forms import parse_offset
from tug_portal.reminders.models import describe_duration


class Command(BaseCommand):
    help = (
        "Send EMAIL the reminder of a meeting now, as a subscriber would get it (marked as a "
        "test), through the configured mail backend."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--meeting", required=True, help="The meeting's slug: tug-2018-10-16")
        parser.add_argument(
            "--before",
            default="",
            help="Which reminder: “1 day”, “1h”… (default: the program's first)",
        )

    def handle(self, *args, email, meeting, before, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"“{email}” is not an email address.") from error
        found = selectors.meetings_for_mail().filter(slug=meeting).first()
        if found is None:
            raise CommandError(f"No meeting with the slug “{meeting}”.")
        offset = self._offset(found, before)
        message = services.reminder_send_test(email=email, meeting=found, before=offset)
        self.stdout.write(
            f"Sent the {describe_duration(offset)} reminder of {found.slug} to {email}: "
            f"“{message.subject}”."
        )

    def _offset(self, meeting, before: str):
        if before:
            offset = parse_offset(before)
            if offset is None:
                raise CommandError(f"“{before}” is not a duration like “1 day” or “2h”.")
            return offset
        policy = services.reminder_policy_ensure(program=meeting.program)
        offsets = policy.offset_list()
        if not offsets:
            raise CommandError(f"{meeting.program.acronym} has no reminders; pass --before.")
        return offsets[0]
