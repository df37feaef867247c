import pytest

from tests.support.smtp import SmtpSink


@pytest.fixture
def smtp_sink():
    """A real SMTP server on a free loopback port, recording every message."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_backend(settings, smtp_sink):
    """This process sends through Django's SMTP backend to `smtp_sink`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return smtp_sink
