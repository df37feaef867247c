from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tug_portal.web"
    label = "web"

    def ready(self):
        from . import receivers

        receivers.connect()
