"""The "ISO staff" group: may edit program content, may not manage users. The "ISO viewer"
group: may look at the same content in the admin (and see drafts), change nothing.

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


def _group_with(name: str, permissions):
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=name)
    wanted = set(permissions.values_list("pk", flat=True))
    if set(group.permissions.values_list("pk", flat=True)) != wanted:
        group.permissions.set(wanted)
    return group


def ensure_iso_viewer_group(**kwargs):
    """The view permissions of the ISO staff's models, nothing else."""
    return _group_with(
        settings.TUG_ISO_VIEWER_GROUP, iso_staff_permissions().filter(codename__startswith="view_")
    )


def ensure_iso_staff_group(**kwargs):
    return _group_with(settings.TUG_ISO_STAFF_GROUP, iso_staff_permissions())
