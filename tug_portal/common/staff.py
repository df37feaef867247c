"""The "ISO staff" group: may edit program content, may not manage users.

An app opts its models in by listing their names in `iso_staff_models` on its AppConfig; this
module imports none of them, so the core never depends on the apps that consume it.
"""

from django.apps import apps
from django.conf import settings


def iso_staff_permissions():
    from django.contrib.auth.models import Permission

    perms = Permission.objects.none()
    for config in apps.get_app_configs():
        for model_name in getattr(config, "iso_staff_models", ()):
            perms |= Permission.objects.filter(
                content_type__app_label=config.label, content_type__model=model_name.lower()
            )
    return perms


def ensure_iso_staff_group(**kwargs):
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=settings.TUG_ISO_STAFF_GROUP)
    wanted = set(iso_staff_permissions().values_list("pk", flat=True))
    if set(group.permissions.values_list("pk", flat=True)) != wanted:
        group.permissions.set(wanted)
    return group
