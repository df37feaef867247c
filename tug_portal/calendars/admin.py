from django.contrib import admin

from .models import StoredFeed


@admin.register(StoredFeed)
class StoredFeedAdmin(admin.ModelAdmin):
    """Read-only: lets an operator see that feeds are being rebuilt. Celery writes them."""

    list_display = ("key", "event_count", "current_at", "content_changed_at", "etag")
    search_fields = ("key",)
    fields = (*list_display, "program", "system", "full_history", "data_version")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
