"""A material's topic list follows its meeting, on the add form and the "Upload several files"
page: it offers the chosen meeting's topics, never every topic of the archive (found from
outside: the add form offered no topic until the material was saved, and the upload page
offered every topic of every meeting). The script that refills it when staff choose another
meeting is tried in Chromium (tests/materials/test_browser.py)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_meeting, make_program
from tug_portal.materials.models import Material
from tug_portal.meetings.models import AgendaTopic, Program

pytestmark = pytest.mark.django_db

MATERIAL_ADD = "/admin/materials/material/add/"


def _topic_options(page: str) -> list[str]:
    select = re.search(r'<select name="topic".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)


def _meeting_with_agenda(day_offset: int, *titles: str):
    from datetime import date, timedelta

    program = Program.objects.first() or make_program()
    meeting = make_meeting(program, date(2030, 1, 8) + timedelta(weeks=day_offset))
    for order, title in enumerate(titles, start=1):
        AgendaTopic.objects.create(meeting=meeting, order=order, title=title)
    return meeting


def _add_material(client, meeting, topic):
    return client.post(
        MATERIAL_ADD,
        {
            "meeting": meeting.pk,
            "topic": topic.pk,
            "kind": "other",
            "title": "Road map",
            "external_url": "https://example.org/road-map.pdf",
            "state": "draft",
        },
    )


def test_the_pages_offer_no_topic_before_a_meeting_is_chosen(staff_client):
    _meeting_with_agenda(0, "Welcome", "OMS Road Map")

    for url in (MATERIAL_ADD, reverse("admin:materials_material_upload")):
        assert _topic_options(staff_client.get(url).content.decode()) == [], url


def test_a_meeting_named_in_the_address_offers_its_own_topics(staff_client):
    meeting = _meeting_with_agenda(0, "Welcome", "OMS Road Map")
    _meeting_with_agenda(1, "Somebody else's topic")

    for url in (MATERIAL_ADD, reverse("admin:materials_material_upload")):
        page = staff_client.get(url, {"meeting": meeting.pk}).content.decode()
        assert _topic_options(page) == ["Welcome", "OMS Road Map"], url


def test_a_material_added_with_a_topic_of_its_meeting_is_saved_with_it(staff_client):
    meeting = _meeting_with_agenda(0, "Welcome", "OMS Road Map")
    road_map = meeting.topics.get(title="OMS Road Map")

    answer = _add_material(staff_client, meeting, road_map)

    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Material.objects.get().topic == road_map


def test_a_topic_of_another_meeting_is_refused_with_a_message_and_nothing_saved(staff_client):
    meeting = _meeting_with_agenda(0, "Welcome")
    other_topic = _meeting_with_agenda(1, "Elsewhere").topics.get()

    answer = _add_material(staff_client, meeting, other_topic)

    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert _topic_options(answer.content.decode()) == ["Welcome"]
    assert not Material.objects.exists()


def test_a_meetings_topic_choices_are_answered_to_staff_who_post_materials(
    staff_client, viewer_client, client
):
    meeting = _meeting_with_agenda(0, "Welcome", "OMS <Road> Map")
    url = reverse("admin:materials_material_topic_choices")

    staff = staff_client.get(url, {"meeting": meeting.pk})
    unknown = staff_client.get(url, {"meeting": 999999})
    junk = [staff_client.get(url, {"meeting": value}) for value in ("abc", "", "1" * 40, "-1")]

    assert staff.status_code == 200
    assert staff.content.decode() == (
        '<option value="">---------</option>'
        f'<option value="{meeting.topics.get(order=1).pk}">Welcome</option>'
        f'<option value="{meeting.topics.get(order=2).pk}">OMS &lt;Road&gt; Map</option>'
    )
    assert unknown.content.decode() == '<option value="">---------</option>'
    assert [answer.status_code for answer in junk] == [400] * 4
    assert viewer_client.get(url, {"meeting": meeting.pk}).status_code == 403
    assert client.get(url, {"meeting": meeting.pk}).status_code == 302  # to the login


def test_the_topic_list_says_where_its_choices_come_from(staff_client):
    page = staff_client.get(MATERIAL_ADD).content.decode()

    url = reverse("admin:materials_material_topic_choices")
    assert f'data-choices-url="{url}"' in page
    assert "js/admin_topic_choices.js" in page


def test_a_material_moved_to_another_meeting_takes_a_topic_of_that_meeting(staff_client):
    first = _meeting_with_agenda(0, "Welcome")
    second = _meeting_with_agenda(1, "OMS Road Map")
    material = Material.objects.create(
        meeting=first, topic=first.topics.get(), title="Road map", external_url="https://x.org/a"
    )
    url = f"/admin/materials/material/{material.pk}/change/"

    form_before = staff_client.get(url).content.decode()
    answer = staff_client.post(
        url,
        {
            "meeting": second.pk,
            "topic": second.topics.get().pk,
            "kind": material.kind,
            "title": material.title,
            "external_url": material.external_url,
            "state": material.state,
        },
    )

    assert _topic_options(form_before) == ["Welcome"]
    assert answer.status_code == 302, answer.content.decode()[:3000]
    material.refresh_from_db()
    assert (material.meeting, material.topic) == (second, second.topics.get())


def test_the_upload_page_chooses_its_meeting_by_searching_not_from_every_meeting(staff_client):
    """Found from outside: "Upload several files" listed every meeting of the archive, oldest
    first, in one drop-down."""
    meeting = _meeting_with_agenda(0, "Welcome")
    _meeting_with_agenda(1, "Elsewhere")
    url = reverse("admin:materials_material_upload")

    empty = staff_client.get(url).content.decode()
    chosen = staff_client.get(url, {"meeting": meeting.pk}).content.decode()

    select = re.search(r'<select name="meeting".*?</select>', empty, re.S).group(0)
    assert "admin-autocomplete" in select
    assert re.findall(r'<option value="\d+"', select) == []
    chosen_select = re.search(r'<select name="meeting".*?</select>', chosen, re.S).group(0)
    assert re.findall(r'<option value="(\d+)" selected', chosen_select) == [str(meeting.pk)]
    assert "admin/js/autocomplete.js" in empty


@pytest.mark.parametrize(
    "field, value",
    [
        ("available_until", "9999-12-31"),
        ("public_from_0", "9999-12-31"),
        ("available_until", "1850-01-01"),
    ],
)
def test_a_materials_date_no_meeting_can_have_is_refused_with_a_message(staff_client, field, value):
    """Found from outside: "available until" 9999-12-31 made the meeting's page and its
    program's page answer 500 to everyone; "public from" 9999-12-31 answered 500 to staff."""
    meeting = _meeting_with_agenda(0, "Welcome")
    data = {
        "meeting": meeting.pk,
        "kind": "other",
        "title": "Road map",
        "external_url": "https://example.org/road-map.pdf",
        "state": "published",
        field: value,
    }
    if field == "public_from_0":
        data["public_from_1"] = "23:59"

    answer = staff_client.post(MATERIAL_ADD, data)

    assert answer.status_code == 200
    assert "between 1970 and 2099" in answer.content.decode()
    assert not Material.objects.exists()


def test_a_retention_no_recording_can_have_is_refused(staff_client):
    from datetime import timedelta

    from tug_portal.materials.selectors import material_policy

    policy = material_policy(_meeting_with_agenda(0, "Welcome").program)
    policy.recording_retention = timedelta(days=3_000_000)

    with pytest.raises(ValidationError):
        policy.full_clean()
