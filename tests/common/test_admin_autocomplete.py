"""Autocomplete widgets showing their chosen rows from what the form's object read
(common/admin_autocomplete.py) write what Django's own query per widget writes."""

import re

import pytest
from django.contrib.admin.widgets import AutocompleteMixin

from tests.support.admin_forms import meeting_change_form
from tug_portal.common.admin_autocomplete import _LoadedChoices
from tug_portal.meetings.models import Meeting, Person

pytestmark = pytest.mark.django_db

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")  # a new uid


def _page_both_ways(client, monkeypatch, fetch) -> tuple[bytes, bytes]:
    ours = fetch()
    with monkeypatch.context() as queried:
        queried.setattr(_LoadedChoices, "_loaded_choices", lambda self, value: None)
        djangos = fetch()
    return CSRF.sub(b"", ours.content), CSRF.sub(b"", djangos.content)


def test_a_meetings_change_form_shows_the_chosen_rows_django_would(admin_client, demo, monkeypatch):
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    seed.contact = Person.objects.first()
    seed.save()
    path = f"/admin/meetings/meeting/{seed.pk}/change/"

    ours, djangos = _page_both_ways(admin_client, monkeypatch, lambda: admin_client.get(path))

    assert ours == djangos
    assert ours.count(b" selected>") >= 5


def test_a_posted_form_choosing_other_rows_shows_those(admin_client, demo, monkeypatch):
    """A bound form whose choices are not the object's rows: Django's query, unchanged."""
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    topic = seed.topics.first()
    other = Person.objects.exclude(topics=topic).first()
    data = meeting_change_form(
        seed,
        end_time="00:01",  # in error: the form is shown again
        **{
            "topics-TOTAL_FORMS": "1",
            "topics-INITIAL_FORMS": "1",
            "topics-0-id": str(topic.pk),
            "topics-0-meeting": str(seed.pk),
            "topics-0-order": str(topic.order),
            "topics-0-title": topic.title,
            "topics-0-facilitators": str(other.pk),
        },
    )
    path = f"/admin/meetings/meeting/{seed.pk}/change/"

    ours, djangos = _page_both_ways(
        admin_client, monkeypatch, lambda: admin_client.post(path, data)
    )

    assert ours == djangos
    assert f'<option value="{other.pk}" selected>{other.name}</option>'.encode() in ours


def test_widgets_with_nothing_chosen_build_no_query(admin_client, demo, monkeypatch):
    """A new meeting's contact and replacement, each new topic's facilitators, systems and
    documents: no row is chosen, so none is asked for (Django built a query for none)."""
    built = []
    djangos = AutocompleteMixin.optgroups
    monkeypatch.setattr(
        AutocompleteMixin,
        "optgroups",
        lambda self, *args, **kwargs: built.append(self) or djangos(self, *args, **kwargs),
    )
    seed = Meeting.objects.get(slug="tug-2018-10-16")

    for path in ["/admin/meetings/meeting/add/", f"/admin/meetings/meeting/{seed.pk}/change/"]:
        assert admin_client.get(path).status_code == 200

    assert built == []


def test_a_new_meetings_form_shows_what_django_would(admin_client, demo, monkeypatch):
    path = "/admin/meetings/meeting/add/"

    ours, djangos = _page_both_ways(admin_client, monkeypatch, lambda: admin_client.get(path))

    assert UUID.sub(b"", ours) == UUID.sub(b"", djangos)
    assert b'name="contact"' in ours and b'name="topics-__prefix__-facilitators"' in ours
