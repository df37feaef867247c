"""The portal's public address: one setting (`make run` derives it from PORT unless TUG_SITE_URL
says otherwise), and every absolute link in pages, feeds, the API and mails built from it."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from tests.support.processes import run_python
from tug_portal.calendars.services import feeds_sweep
from tug_portal.meetings.demo import load_demo
from tug_portal.reminders import services
from tug_portal.reminders.mail import MailRenderer
from tug_portal.reminders.models import Delivery, Subscriber, Subscription
from tug_portal.reminders.selectors import meetings_for_mail

SITE = "https://portal.example.test:8443"
# Any link to a server the portal guessed (the old default, the request's host) instead of SITE.
STRAY = re.compile(r"(?:https?|webcal)://(?:127\.0\.0\.1|localhost|testserver)\b")
# 20 October 2018: after the seed TUG meeting (16 Oct), before the next one (30 Oct).
NOW = datetime(2018, 10, 20, 19, 0, tzinfo=UTC)


@pytest.fixture
def site(db, settings, time_machine, django_capture_on_commit_callbacks):
    """The demo data, with the site's address set to SITE and the feeds built under it."""
    settings.SITE_URL = SITE
    settings.TUG_AUP_RULES = []
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    with django_capture_on_commit_callbacks(execute=True):
        feeds_sweep()
    return SITE


def assert_only_site_links(text: str, *expected: str) -> None:
    assert STRAY.findall(text) == []
    for url in expected:
        assert url in text


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_meeting_page_links_carry_the_site_url(site, client):
    assert_only_site_links(
        page(client, "/meetings/tug-2018-10-30/"),
        f"{SITE}/meetings/tug-2018-10-30.ics",
    )


@pytest.mark.parametrize(
    ("url", "feed"),
    [("/", "all"), ("/programs/tug/", "tug"), ("/calendar/help/", "cpg")],
)
def test_subscribe_buttons_and_calendar_help_carry_the_site_url(site, client, url, feed):
    assert_only_site_links(
        page(client, url),
        f"webcal://portal.example.test:8443/calendar/{feed}.ics",
        f"{SITE}/calendar/{feed}.ics",
    )


def test_calendar_feeds_carry_the_site_url(site, client):
    for text in (page(client, "/calendar/tug.ics"), page(client, "/meetings/tug-2018-10-30.ics")):
        unfolded = text.replace("\r\n ", "")
        assert_only_site_links(unfolded, f"URL:{SITE}/meetings/tug-2018-10-30/")


def test_api_links_carry_the_site_url(site, client):
    assert_only_site_links(page(client, "/api/v1/"), f"{SITE}/api/v1/meetings")
    assert_only_site_links(
        page(client, "/api/v1/meetings/tug-2018-10-30"),
        f"{SITE}/api/v1/meetings/tug-2018-10-30",
        f"{SITE}/meetings/tug-2018-10-30/",
    )
    assert_only_site_links(
        page(client, "/api/v1/meetings?limit=1"), f"{SITE}/api/v1/meetings?limit=1&offset=1"
    )


def test_atom_feed_ids_and_links_carry_the_site_url(site, client):
    assert_only_site_links(
        page(client, "/announcements/feed/"),
        f"<id>{SITE}/announcements/feed/</id>",
        f'href="{SITE}/announcements/"',
        f'href="{SITE}/announcements/drrs-acceptable-use-policy/"',
        f"<id>{SITE}/announcements/drrs-acceptable-use-policy/</id>",
    )


def test_confirmation_mail_links_carry_the_site_url(site):
    from tug_portal.meetings.models import Program

    subscription = services.subscription_request(
        email="ann@example.com", program=Program.objects.get(slug="tug")
    )
    services.subscription_send_confirmation(subscription_id=subscription.pk)

    (message,) = mail.outbox
    for text in (message.body, message.alternatives[0].content):
        assert_only_site_links(text, f"{SITE}/subscriptions/confirm/")


def test_reminder_mail_links_and_list_unsubscribe_carry_the_site_url(site):
    meeting = meetings_for_mail().get(slug="tug-2018-10-30")
    subscriber = Subscriber.objects.create(email="ann@example.com")
    subscription = Subscription.objects.create(
        subscriber=subscriber, program=meeting.program, status=Subscription.Status.CONFIRMED
    )
    delivery = Delivery(subscription=subscription, meeting=meeting, offset=timedelta(hours=1))

    message = MailRenderer().delivery_message(delivery)

    assert message.extra_headers["List-Unsubscribe"].startswith(
        f"<{SITE}/subscriptions/unsubscribe/"
    )
    for text in (message.body, message.alternatives[0].content):
        assert_only_site_links(
            text,
            f"{SITE}/meetings/tug-2018-10-30/",
            f"{SITE}/meetings/tug-2018-10-30.ics",
            f"{SITE}/subscriptions/unsubscribe/",
            f"{SITE}/subscriptions/preferences/",
        )
    (attachment,) = message.attachments
    ics = attachment.get_payload(decode=True).decode().replace("\r\n ", "")
    assert_only_site_links(ics, f"URL:{SITE}/meetings/tug-2018-10-30/")


def settings_site_url(**environ: str) -> str:
    """SITE_URL as a fresh process reads it from this environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "TUG_SITE_URL")}
    code = "from django.conf import settings; print(settings.SITE_URL)"
    result = run_python(
        f"import django; django.setup(); {code}",
        env={**env, "DJANGO_SETTINGS_MODULE": "tug_portal.settings", **environ},
    )
    return result.stdout.strip()


def test_site_url_follows_port_unless_tug_site_url_is_set():
    assert settings_site_url() == "http://127.0.0.1:8000"
    assert settings_site_url(PORT="8101") == "http://127.0.0.1:8101"
    assert (
        settings_site_url(PORT="8101", TUG_SITE_URL="https://portal.example.org/")
        == "https://portal.example.org"
    )


# Stands in for .venv/bin/python: records, for each command `make run` starts (migrate, the demo
# loader and its materials, the feed build, the logins, the worker, beat, the web server), its
# arguments and the site URL its settings derive. The web server's stand-in ends once all eight
# have reported (it had counted seven: under load beat could report after the web server had
# ended), which stops the others as Ctrl-C would.
FAKE_PYTHON = """\
#!{python}
import json, os, sys, time
sys.path.insert(0, {base!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tug_portal.settings")
import django
django.setup()
from django.conf import settings
with open({report!r}, "a") as report:
    report.write(json.dumps({{"argv": sys.argv[1:], "site": settings.SITE_URL}}) + "\\n")
if "celery" in sys.argv:
    time.sleep(60)
if "runserver" in sys.argv:
    deadline = time.monotonic() + 60
    while len(open({report!r}).readlines()) < 8 and time.monotonic() < deadline:
        time.sleep(0.1)
"""


def make_run_commands(tmp_path: Path, **environ: str) -> dict[str, dict]:
    """`make run` in a copy of the Makefile and bin/run-embedded whose Python only reports:
    {command name: {"argv": [...], "site": SITE_URL}}."""
    checkout = tmp_path / "checkout"
    (checkout / "bin").mkdir(parents=True)
    for name in ("Makefile", "bin/run-embedded", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(settings.BASE_DIR / name, checkout / name)
    report = tmp_path / "report.jsonl"
    report.touch()
    python = checkout / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(
        FAKE_PYTHON.format(python=sys.executable, base=str(settings.BASE_DIR), report=str(report))
    )
    python.chmod(0o755)
    (checkout / ".venv" / ".installed-stamp").touch()
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "TUG_SITE_URL")}
    env.update(TUG_VAR_DIR=str(tmp_path / "var"), **environ)
    subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=checkout,
        env=env,
        capture_output=True,
        timeout=120,
        start_new_session=True,  # run-embedded stops its whole process group at the end
    )
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    commands = {
        line["argv"][1] if line["argv"][0] == "manage.py" else line["argv"][4]: line
        for line in lines
    }
    assert sorted(commands) == [
        "beat",
        "build_feeds",
        "create_demo_logins",
        "load_demo",
        "load_demo_materials",
        "migrate",
        "runserver",
        "worker",
    ], textwrap.shorten(str(lines), 800)
    return commands


def urls_in_arguments(commands: dict[str, dict]) -> list[str]:
    return [arg for line in commands.values() for arg in line["argv"] if "://" in arg]


def test_make_run_derives_every_process_site_url_from_port(tmp_path):
    commands = make_run_commands(tmp_path, PORT="8101")

    assert {line["site"] for line in commands.values()} == {"http://127.0.0.1:8101"}
    assert "127.0.0.1:8101" in commands["runserver"]["argv"]
    assert all(url.startswith("http://127.0.0.1:8101/") for url in urls_in_arguments(commands))


def test_make_run_keeps_tug_site_url_when_set(tmp_path):
    commands = make_run_commands(tmp_path, PORT="8101", TUG_SITE_URL="https://tug.example.org")

    assert {line["site"] for line in commands.values()} == {"https://tug.example.org"}
    assert "127.0.0.1:8101" in commands["runserver"]["argv"]
    assert all(url.startswith("https://tug.example.org/") for url in urls_in_arguments(commands))
