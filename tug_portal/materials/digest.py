"""The weekly digest's "Materials posted" section (named in `settings.DIGEST_SECTIONS`): the
materials posted in the digest's week, still public, for the meetings its reader follows; one
item per meeting, listing what was posted."""

from tug_portal.common.site import absolute_url
from tug_portal.digest.sections import DigestItem, DigestScope, SectionProvider, when_for_reader
from tug_portal.digest.selectors import meetings_followed
from tug_portal.reminders.mail import one_line

from .selectors import materials_posted_between


def materials_posted_items(scope: DigestScope) -> list[DigestItem]:
    meetings = meetings_followed(program_ids=scope.program_ids, system_ids=scope.system_ids)
    by_meeting: dict[int, list] = {}
    for material in materials_posted_between(meetings, since=scope.since, until=scope.until):
        by_meeting.setdefault(material.meeting_id, []).append(material)
    items = []
    for materials in by_meeting.values():
        meeting = materials[0].meeting
        posted = (one_line(f"{m.get_kind_display()}: {m.title}") for m in materials)
        items.append(
            DigestItem(
                title=one_line(f"{meeting.program.acronym}: {meeting.title}"),
                lines=(when_for_reader(meeting, scope.time_zone), *posted),
                url=absolute_url(meeting.get_absolute_url()),
            )
        )
    return items


MATERIALS_POSTED = SectionProvider("materials", "Materials posted", materials_posted_items)
