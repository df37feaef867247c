from django.apps import AppConfig


class ImporterConfig(AppConfig):
    name = "tug_portal.importer"
    label = "importer"
    verbose_name = "Agenda importer"
    # ISO staff import agendas (the admin's "Import an agenda" page is the add view).
    iso_staff_models = ("AgendaImport",)
