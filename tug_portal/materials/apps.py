from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "tug_portal.materials"
    label = "materials"
    verbose_name = "Meeting materials"
    # Models the "ISO staff" group may add, change, delete and view.
    iso_staff_models = (
        "Material",
        "MaterialPolicy",
        "TopicMaterials",
        "MaterialsOptIn",
        "MaterialsNotice",
    )

    def ready(self):
        from . import receivers

        receivers.connect()
