"""A 404 met by an htmx request: a short message for the region it was to fill (the portal's
script shows an error's `role="alert"` words), never the whole page nested in it. Every other
request gets the whole 404 page."""

import pytest

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT": "text/html"}
ALERT = '<p class="error-message" role="alert">{}</p>'


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/programs/nope/", "Not found: No such program."),
        ("/?page=99", "Not found: There is no page 99 of this list."),
        ("/no/such/address/", "Not found: the address may be mistyped, or the page was moved."),
    ],
)
def test_htmx_request_that_finds_nothing_gets_a_short_message(client, demo, path, message):
    response = client.get(path, **HTMX)

    assert response.status_code == 404
    assert response.text.strip() == ALERT.format(message)
    assert "HX-Request" in response["Vary"]


def test_signed_in_staff_get_the_same_short_message_from_htmx(staff_client, demo):
    response = staff_client.get("/meetings/nope/", **HTMX)

    assert response.status_code == 404
    assert response.text.strip() == ALERT.format("Not found: No such meeting.")


def test_plain_request_that_finds_nothing_gets_the_whole_404_page(client, demo):
    response = client.get("/programs/nope/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert "<html" in response.text and "<h1>Not found</h1>" in response.text
    assert "No such program." in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_restoring_history_gets_the_whole_404_page(client, demo):
    response = client.get("/programs/nope/", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert response.status_code == 404
    assert "<html" in response.text and "<h1>Not found</h1>" in response.text
