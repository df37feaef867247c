from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "tug_portal.digest"
    label = "digest"
    verbose_name = "Weekly digest"
    # Models the "ISO staff" group may see (the admin keeps digests read-only).
    iso_staff_models = ("DigestPreference", "Digest")
