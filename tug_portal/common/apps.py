from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_migrate, post_save


class CommonConfig(AppConfig):
    name = "tug_portal.common"
    label = "common"
    verbose_name = "Portal operations"

    def ready(self):
        from django.contrib import admin

        from .files import embedded_folders_ensure

        embedded_folders_ensure()  # var/ folders, when a process starts (not on reading settings)

        from . import clients  # noqa: F401 - registers the check of the network settings
        from .admin_formsets import build_empty_forms_once
        from .admin_lists import guard_drill_downs
        from .admin_site import StaffAdminSite

        # The default site, every model registered on it (admin's autodiscover ran before this),
        # with the optional two-factor login and date drill-downs that take any value.
        admin.site.__class__ = StaffAdminSite
        guard_drill_downs(admin.site)
        build_empty_forms_once(admin.site)

        from .staff import ensure_iso_staff_group, ensure_iso_viewer_group

        # After every migrate, so that permissions of newly added models reach the groups.
        post_migrate.connect(ensure_iso_staff_group, dispatch_uid="ensure_iso_staff_group")
        post_migrate.connect(ensure_iso_viewer_group, dispatch_uid="ensure_iso_viewer_group")

        from .auth import forget_cached_user

        # A signed-in request reads its user from the cache: any save or delete forgets it.
        for signal in (post_save, post_delete):
            signal.connect(
                forget_cached_user,
                sender=settings.AUTH_USER_MODEL,
                dispatch_uid=f"forget_cached_user_{signal is post_save}",
            )
