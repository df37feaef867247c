from tests.reminders.conftest import eager_tasks, smtp_backend, smtp_sink  # noqa: F401
