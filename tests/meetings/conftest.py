import pytest

from tug_portal.meetings.signals import meetings_changed


@pytest.fixture
def changes():
    """Records every meetings_changed signal: [(meeting ids, program ids), ...]."""
    received = []

    def receiver(sender, meeting_ids, program_ids, **kwargs):
        received.append((set(meeting_ids), set(program_ids)))

    meetings_changed.connect(receiver, dispatch_uid="test-recorder")
    yield received
    meetings_changed.disconnect(dispatch_uid="test-recorder")
