from django.urls import path

from . import views

app_name = "digest"

urlpatterns = [
    path("subscriptions/digest/<str:token>/", views.preferences, name="preferences"),
    path("subscriptions/digest/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
