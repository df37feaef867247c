from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "TUG Portal administration"
admin.site.site_title = "TUG Portal"
admin.site.index_title = "Meeting programs"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tug_portal.common.urls")),
    path("", include("tug_portal.calendars.urls")),
    path("", include("tug_portal.reminders.urls")),
    path("", include("tug_portal.digest.urls")),
    path("", include("tug_portal.materials.urls")),
    path("api/v1/", include("tug_portal.api.urls")),
    path("", include("tug_portal.web.urls")),
]

# A failure outside any view (a session saved while the database is away) still gets the
# portal's answer: 503 for an unreachable database, a plain page otherwise.
handler500 = "tug_portal.common.views.server_error"
# An htmx request gets a short message to swap in, not the whole 404 page.
handler404 = "tug_portal.common.views.page_not_found"
