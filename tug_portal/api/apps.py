from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tug_portal.api"
    label = "api"
