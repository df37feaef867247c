from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tug_portal.web"
    label = "web"

    def ready(self):
        from tug_portal.meetings.signals import meetings_changed

        from .cache import content_version_bump

        meetings_changed.connect(content_version_bump, dispatch_uid="web-page-cache-version")
