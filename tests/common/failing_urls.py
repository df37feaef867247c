"""Views that meet database errors, for the 503 middleware's tests."""

from django.db import InterfaceError, OperationalError, ProgrammingError
from django.urls import include, path


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def connection_closed(request):
    raise InterfaceError("connection already closed")


def bad_sql(request):
    raise ProgrammingError('relation "nowhere" does not exist')


api = [path("gone", database_gone, name="gone")]

urlpatterns = [
    path("gone/", database_gone),
    path("closed/", connection_closed),
    path("bug/", bad_sql),
    path("api/v1/", include((api, "api"))),
]
