import pytest
from django.db import OperationalError
from django.test import RequestFactory

from tug_portal.common.middleware import MESSAGE
from tug_portal.common.views import server_error

pytestmark = pytest.mark.urls("tests.common.failing_urls")

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize("path", ["/gone/", "/closed/"])
def test_database_failure_answers_503_page_without_traceback(client, path):
    response = client.get(path, headers=BROWSER)

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert MESSAGE in page
    assert "Traceback" not in page
    assert "server closed" not in page and "already closed" not in page


def test_database_failure_answers_api_clients_in_json(client):
    response = client.get("/api/v1/gone")

    assert response.status_code == 503
    assert response.json() == {"detail": MESSAGE}


def test_database_failure_answers_feed_clients_in_text(client):
    response = client.get("/gone/")

    assert response.status_code == 503
    assert response.content.decode() == f"{MESSAGE}\n"


def test_other_database_errors_stay_server_errors(client):
    client.raise_request_exception = False

    response = client.get("/bug/")

    assert response.status_code == 500


def test_server_error_handler_turns_database_failures_into_503():
    request = RequestFactory().get("/", headers=BROWSER)
    try:
        raise OperationalError("the database went away while the session was saved")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert MESSAGE in response.content.decode()


def test_server_error_handler_shows_the_plain_500_page():
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
