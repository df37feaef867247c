import pytest

from tests.support.smtp import SmtpSink
from tug_portal.celery import app as celery_app


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


@pytest.fixture
def eager_tasks(transactional_db):
    """Tasks run in this process the moment they are queued (on commit, as the code queues
    them: hence a database the test really commits to), and their errors reach the test."""
    conf = celery_app.conf
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager = conf.task_eager_propagates = False
