from django.urls import path

from . import views

app_name = "materials"

urlpatterns = [
    path(
        "materials/<uuid:public_id>/<str:file_name>",
        views.material_download,
        name="download",
    ),
    path(
        "subscriptions/materials/unsubscribe/<str:token>/",
        views.notices_unsubscribe,
        name="notices_unsubscribe",
    ),
    path(
        "subscriptions/materials/<str:token>/",
        views.notices_preferences,
        name="notices_preferences",
    ),
]
