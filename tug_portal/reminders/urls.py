from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("subscriptions/new/", views.subscribe, name="subscribe"),
    path("subscriptions/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscriptions/preferences/<str:token>/", views.preferences, name="preferences"),
    path("subscriptions/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "subscriptions/export/<slug:slug>.csv",
        views.export_subscribers,
        name="export_subscribers",
    ),
]
