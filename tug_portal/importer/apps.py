from django.apps import AppConfig


class ImporterConfig(AppConfig):
    name = "tug_portal.importer"
    label = "importer"
