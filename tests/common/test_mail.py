"""Mail on the embedded default: one .eml file per message, which a mail client opens; and how
bytes already serialized are handed over, to an SMTP server or to files."""

import email
import email.policy
import time

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from tests.support.smtp import SmtpSink
from tug_portal.common.mail import Envelope, MessagePerFileBackend, envelope_sender


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


# --- Handing over bytes: the end of the data is the moment a server accepts a mail ----------

ENVELOPE = Envelope(
    mail_from="portal@example.org",
    recipients=["ann@example.com"],
    data=b"Subject: Dots\r\n\r\n.A line that starts with a dot\r\nThe last line\r\n",
)


def smtp_connection(sink: SmtpSink):
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=sink.host,
        port=sink.port,
        username="",
        password="",
        use_tls=False,
        use_ssl=False,
        timeout=10,
    )
    connection.open()
    return connection


def test_an_smtp_server_has_not_accepted_a_mail_while_before_end_of_data_runs():
    accepted_when_called = []
    with SmtpSink() as sink:
        connection = smtp_connection(sink)
        send = envelope_sender(connection)
        try:
            send(ENVELOPE, before_end_of_data=lambda: accepted_when_called.append(sink.count))
            send(ENVELOPE)
        finally:
            connection.close()

        assert accepted_when_called == [0]
        assert [message.data for message in sink.messages] == [ENVELOPE.data, ENVELOPE.data]


def test_a_mail_whose_before_end_of_data_fails_is_never_accepted_and_the_connection_closes():
    def fail():
        raise RuntimeError("the previous mail could not be recorded")

    with SmtpSink() as sink:
        connection = smtp_connection(sink)
        send = envelope_sender(connection)
        with pytest.raises(RuntimeError):
            send(ENVELOPE, before_end_of_data=fail)
        started = time.monotonic()
        connection.close()  # at once: the server is not left waiting for the data's end

        assert time.monotonic() - started < 5
        time.sleep(0.2)
        assert sink.count == 0


def test_the_file_backend_runs_before_end_of_data_before_the_file_appears(tmp_path):
    backend = get_connection(
        "tug_portal.common.mail.MessagePerFileBackend", file_path=str(tmp_path)
    )
    files_when_called = []

    envelope_sender(backend)(
        ENVELOPE, before_end_of_data=lambda: files_when_called.append(list(tmp_path.iterdir()))
    )

    assert files_when_called == [[]]
    assert [path.read_bytes() for path in tmp_path.iterdir()] == [ENVELOPE.data]
