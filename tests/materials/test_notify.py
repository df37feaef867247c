"""“Materials posted” mails: one per meeting and posting batch, only to opted-in subscribers,
exactly once (a repeat only of the mail in flight when a worker is killed, same Message-ID)."""

from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import make_meeting, make_program, make_subscription
from tests.materials.conftest import pdf_bytes
from tests.reminders.conftest import smtp_sink  # noqa: F401 - the fixture
from tests.support.mail_workers import assert_each_got_one_mail, beat_driver, kill_workers_mid_batch
from tug_portal.celery import app as celery_app
from tug_portal.materials import notify, services, tasks
from tug_portal.materials.models import Material, MaterialsNotice, MaterialsOptIn
from tug_portal.reminders.models import Subscription

State = MaterialsNotice.State


def opted_in(email, program, **values):
    subscription = make_subscription(email, program, **values)
    MaterialsOptIn.objects.create(subscription=subscription)
    return subscription


def post_files(meeting, count, *, start=0):
    for n in range(start, start + count):
        upload = SimpleUploadedFile(f"part-{n}.pdf", pdf_bytes(f"part {n}"))
        services.material_create(meeting=meeting, title=f"Part {n}", upload=upload, publish=True)


@pytest.fixture
def meeting(db, settings, tmp_path):
    settings.TUG_MATERIALS_NOTICE_DELAY_SECONDS = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "materials"), "base_url": None},
        },
    }
    program = make_program()
    return make_meeting(program, starts_at=timezone.now() - timezone.timedelta(hours=2))


@pytest.mark.django_db
def test_one_posting_batch_plans_one_mail_per_opted_in_subscriber(meeting):
    program = meeting.program
    wanted = [opted_in(f"in{n}@example.com", program) for n in range(3)]
    make_subscription("reminders-only@example.com", program)
    opted_in("unconfirmed@example.com", program, status=Subscription.Status.UNCONFIRMED)
    post_files(meeting, 3)
    assert notify.notices_plan(meeting_id=meeting.pk) == 3
    assert notify.notices_plan(meeting_id=meeting.pk) == 0  # twice is once
    notices = MaterialsNotice.objects.all()
    assert sorted(n.subscription_id for n in notices) == sorted(s.pk for s in wanted)
    assert {n.batch for n in notices} == {1}
    assert set(Material.objects.values_list("notice_batch", flat=True)) == {1}


@pytest.mark.django_db
def test_files_posted_while_the_mails_wait_join_their_batch_and_later_ones_get_a_new_one(meeting):
    opted_in("in@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    post_files(meeting, 2, start=1)
    assert notify.notices_plan(meeting_id=meeting.pk) == 0  # the waiting mail takes them in
    assert list(MaterialsNotice.objects.values_list("batch", flat=True)) == [1]
    MaterialsNotice.objects.update(state=State.SENT, attempts=1)
    post_files(meeting, 1, start=3)
    notify.notices_plan(meeting_id=meeting.pk)
    assert sorted(MaterialsNotice.objects.values_list("batch", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_old_materials_are_marked_without_a_mail(meeting, time_machine):
    opted_in("in@example.com", meeting.program)
    time_machine.move_to(timezone.now() - notify.NEWS_WINDOW * 2, tick=False)
    post_files(meeting, 1)
    time_machine.move_to(timezone.now() + notify.NEWS_WINDOW * 2, tick=False)
    assert notify.notices_plan(meeting_id=meeting.pk) == 0
    assert not MaterialsNotice.objects.exists()


def worker_env(sink) -> dict[str, str]:
    return {
        **sink.env(),
        "REMINDER_BATCH_SIZE": "4",
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "2",
        "TUG_MATERIALS_NOTICE_DELAY_SECONDS": "0",
    }


# Kicks the dispatcher as beat does (claims of a killed worker come back only through it).
drive = beat_driver(tasks.dispatch_material_notices, timeout=90.0)


def sent_count() -> int:
    return MaterialsNotice.objects.filter(state=State.SENT).count()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_each_opted_in_subscriber_gets_the_mail_once(
    meeting,
    celery_worker,
    smtp_sink,  # noqa: F811
):
    program = meeting.program
    members = [f"member{n:02}@example.com" for n in range(10)]
    for email in members:
        opted_in(email, program)
    for n in range(3):
        make_subscription(f"other{n}@example.com", program)  # reminders only: no mail
    post_files(meeting, 3)  # one posting batch: three files, one mail each
    notify.notices_plan(meeting_id=meeting.pk)
    celery_app.control.purge()
    env = worker_env(smtp_sink)

    kill_points = (1, 6)
    kill_workers_mid_batch(celery_worker, smtp_sink, env=env, kill_points=kill_points, drive=drive)
    drive(lambda: sent_count() == len(members))

    # Every opted-in subscriber and nobody else, one mail each (a repeat only of the mail in
    # flight at each death, with its Message-ID), the batch's three files in one mail.
    by_recipient = assert_each_got_one_mail(smtp_sink, members, kill_points)
    for messages in by_recipient.values():
        assert m_body(messages[0]).count("Part ") == 3
    assert (
        Counter(m.subject for m in smtp_sink.messages)
        .most_common(1)[0][0]
        .startswith("Materials posted: TUG meeting")
    )


def m_body(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.django_db
def test_a_subscriber_opts_in_and_out_with_the_preferences_link(client):
    from tug_portal.reminders import tokens

    program = make_program()
    subscription = make_subscription("me@example.com", program)
    url = f"/subscriptions/materials/{tokens.preferences_token(subscription.subscriber_id)}/"
    reminders_page = client.get(
        f"/subscriptions/preferences/{tokens.preferences_token(subscription.subscriber_id)}/"
    )
    assert url in reminders_page.content.decode()  # linked from the reminders' page
    page = client.get(url)
    assert page.status_code == 200 and "TUG" in page.content.decode()
    token = tokens.preferences_token(subscription.subscriber_id)
    for back in (f"/subscriptions/preferences/{token}/", "/digest/"):  # not a dead end
        assert back in page.content.decode()
    assert client.post(url, {"program": [program.slug]}).status_code == 302
    assert MaterialsOptIn.objects.get(subscription=subscription).materials_posted
    client.post(url, {})
    assert not MaterialsOptIn.objects.get(subscription=subscription).materials_posted
    assert client.get("/subscriptions/materials/not-a-token/").status_code == 400


@pytest.mark.django_db
def test_the_mails_one_click_unsubscribe_stops_only_the_materials_mails(meeting, client):
    subscription = opted_in("in@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    notice = MaterialsNotice.objects.get()
    mail = notify.notice_message(notice, list(Material.objects.all()))
    stop_url = mail.extra_headers["List-Unsubscribe"].strip("<>")
    assert stop_url in mail.body and "/subscriptions/materials/unsubscribe/" in stop_url

    response = client.post(stop_url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED  # reminders stay on
    assert MaterialsOptIn.objects.get(subscription=subscription).materials_posted is False


@pytest.mark.django_db
def test_postings_that_keep_coming_delay_the_mail_at_most_the_bound_after_the_first(
    meeting, settings, time_machine
):
    settings.TUG_MATERIALS_NOTICE_DELAY_SECONDS = 300
    settings.TUG_MATERIALS_NOTICE_MAX_WAIT_SECONDS = 1800
    opted_in("in@example.com", meeting.program)
    first = timezone.now().replace(microsecond=0)
    time_machine.move_to(first, tick=False)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    assert MaterialsNotice.objects.get().due_at == first + timezone.timedelta(minutes=5)

    for n in range(1, 16):  # a file every 4 minutes for an hour
        time_machine.move_to(first + timezone.timedelta(minutes=4 * n), tick=False)
        post_files(meeting, 1, start=n)
        notify.notices_plan(meeting_id=meeting.pk)
        notice = MaterialsNotice.objects.get()
        expected = min(4 * n + 5, 30)
        assert notice.due_at == first + timezone.timedelta(minutes=expected), n
        assert notice.next_attempt_at == notice.due_at
    assert notice.batch == 1  # one mail for the lot


@pytest.mark.django_db
def test_a_new_version_of_a_published_file_is_mailed_once_as_an_update(
    meeting, time_machine, django_capture_on_commit_callbacks
):
    opted_in("in@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    MaterialsNotice.objects.update(state=State.SENT, attempts=1)  # the first mail went
    time_machine.move_to(timezone.now() + notify.NEWS_WINDOW * 3, tick=False)  # weeks later
    material = Material.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.material_replace_file(
            material=material, upload=SimpleUploadedFile("part-0 v2.pdf", pdf_bytes("v2"))
        )
    notify.notices_plan(meeting_id=meeting.pk)  # twice is once
    notify.notices_plan(meeting_id=meeting.pk)

    notice = MaterialsNotice.objects.get(batch=2)
    assert MaterialsNotice.objects.count() == 2
    body = notify.notice_message(notice, notify.NoticeRenderer().materials(notice)).body
    assert "Updated: Part 0, version 2" in body
    assert body.count("Part 0") == 1


@pytest.mark.django_db
def test_a_new_version_while_its_first_mail_waits_is_in_that_one_mail(meeting):
    opted_in("in@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    material = Material.objects.get()

    services.material_replace_file(
        material=material, upload=SimpleUploadedFile("v2.pdf", pdf_bytes("v2"))
    )
    notify.notices_plan(meeting_id=meeting.pk)

    notice = MaterialsNotice.objects.get()
    assert notice.batch == 1
    body = notify.notice_message(notice, notify.NoticeRenderer().materials(notice)).body
    assert body.count("Part 0") == 1 and "version 2" in body


@pytest.mark.django_db
def test_staff_replacing_the_file_in_the_admin_send_the_update_mail(meeting, staff_client):
    from django.urls import reverse

    opted_in("in@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    MaterialsNotice.objects.update(state=State.SENT, attempts=1)
    material = Material.objects.get()

    response = staff_client.post(
        reverse("admin:materials_material_change", args=[material.pk]),
        {
            "meeting": meeting.pk,
            "kind": "presentation",
            "title": "Part 0",
            "state": "published",
            "upload": SimpleUploadedFile("v2.pdf", pdf_bytes("v2")),
        },
    )
    assert response.status_code == 302
    notify.notices_plan(meeting_id=meeting.pk)

    assert MaterialsNotice.objects.filter(batch=2, state=State.PENDING).count() == 1
    staff_client.post(  # saved again without a new file: no new mail
        reverse("admin:materials_material_change", args=[material.pk]),
        {"meeting": meeting.pk, "kind": "presentation", "title": "Part 0", "state": "published"},
    )
    notify.notices_plan(meeting_id=meeting.pk)
    assert MaterialsNotice.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "which"),
    [
        ("/subscriptions/materials/not-a-token/", "This link"),
        ("/subscriptions/materials/unsubscribe/not-a-token/", "This unsubscribe link"),
    ],
)
def test_a_mangled_link_gets_the_reminders_invalid_link_page(client, path, which):
    response = client.get(path)

    assert response.status_code == 400
    assert "reminders/invalid_link.html" in [t.name for t in response.templates]
    assert f"{which} is not valid. Copy the whole link" in response.content.decode()


def test_files_posted_while_a_dispatcher_is_midway_through_the_batch_get_a_new_one(meeting):
    first = opted_in("first@example.com", meeting.program)
    opted_in("second@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    # One mail of the batch is sent, the other still waits its turn.
    MaterialsNotice.objects.filter(subscription=first).update(state=State.SENT, attempts=1)

    post_files(meeting, 1, start=1)

    assert notify.notices_plan(meeting_id=meeting.pk) == 2
    batches = Counter(MaterialsNotice.objects.values_list("batch", flat=True))
    assert batches == {1: 2, 2: 2}
    assert Material.objects.get(title="Part 1").notice_batch == 2


@pytest.mark.django_db
def test_a_batch_one_of_whose_mails_was_claimed_takes_no_more_files(meeting):
    opted_in("first@example.com", meeting.program)
    opted_in("second@example.com", meeting.program)
    post_files(meeting, 1)
    notify.notices_plan(meeting_id=meeting.pk)
    notice = MaterialsNotice.objects.order_by("pk").first()
    MaterialsNotice.objects.filter(pk=notice.pk).update(
        state=State.CLAIMED, claimed_by="worker-1", claimed_at=timezone.now()
    )

    post_files(meeting, 1, start=1)
    notify.notices_plan(meeting_id=meeting.pk)

    assert Material.objects.get(title="Part 1").notice_batch == 2


@pytest.mark.django_db
def test_the_dispatch_beat_plans_the_mails_of_a_lost_planning_task(meeting, monkeypatch):
    opted_in("in@example.com", meeting.program)
    post_files(meeting, 2)  # no commit hook ran: the planning task was never queued
    queued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: queued.append(task.name))

    tasks.dispatch_material_notices()
    assert queued == ["tug_portal.materials.tasks.send_material_notices"]  # the mail is due
    tasks.dispatch_material_notices()  # twice is once

    assert list(MaterialsNotice.objects.values_list("batch", flat=True)) == [1]
    assert set(Material.objects.values_list("notice_batch", flat=True)) == {1}


@pytest.mark.django_db
def test_the_dispatch_beat_leaves_materials_older_than_the_news_window(meeting, time_machine):
    opted_in("in@example.com", meeting.program)
    time_machine.move_to(timezone.now() - notify.NEWS_WINDOW * 2, tick=False)
    post_files(meeting, 1)
    time_machine.move_to(timezone.now() + notify.NEWS_WINDOW * 2, tick=False)

    assert notify.notices_plan_missed() == 0
    assert Material.objects.get().notice_batch == 0
