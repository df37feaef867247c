from django.utils import timezone

from .health import forget_banner_heartbeat
from .models import Heartbeat


def heartbeat_record(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    forget_banner_heartbeat()  # this process's banner shows it on its next page
    return heartbeat
