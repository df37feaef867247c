"""Mail on the embedded default: one .eml file per message, which a mail client opens."""

import email
import email.policy

from django.core.mail import EmailMultiAlternatives, get_connection

from tug_portal.common.mail import MessagePerFileBackend


def message(to: str, subject: str) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject, "Plain words", "portal@example.org", [to])
    mail.attach_alternative("<p>HTML words</p>", "text/html")
    mail.attach("meeting.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    return mail


def test_embedded_default_writes_mail_with_the_one_file_per_message_backend():
    from tug_portal import settings as portal_settings

    assert portal_settings.EMAIL_BACKEND == "tug_portal.common.mail.MessagePerFileBackend"


def test_each_message_of_a_connection_is_a_file_of_its_own_a_mail_client_reads(tmp_path):
    backend = get_connection(
        "tug_portal.common.mail.MessagePerFileBackend", file_path=str(tmp_path)
    )
    assert isinstance(backend, MessagePerFileBackend)

    sent = backend.send_messages(
        [message("ann@example.com", "First"), message("bob@example.com", "Second")]
    )

    files = sorted(tmp_path.iterdir())
    assert sent == 2
    assert [path.suffix for path in files] == [".eml", ".eml"]
    read = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]
    assert [(m["To"], m["Subject"]) for m in read] == [
        ("ann@example.com", "First"),
        ("bob@example.com", "Second"),
    ]
    first = read[0]
    assert first.get_body(("plain",)).get_content().strip() == "Plain words"
    assert first.get_body(("html",)).get_content().strip() == "<p>HTML words</p>"
    (attachment,) = first.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        "meeting.ics",
        "text/calendar",
    )
