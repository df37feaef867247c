"""A form whose security token no longer matches the visitor's CSRF cookie (found from outside:
the program page's lazily loaded agenda-request form and the reminders page, both opened before
the first cookie arrived, each set one, and the later one won): the refusal says why in words,
and carries a token that matches the cookie now, which the portal's script puts in the form to
send it again (tests/web/test_browser.py proves it in Chromium)."""

import re

from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tug_portal.common.views import CSRF_TOKEN_HEADER

SUBSCRIBE = "/subscriptions/new/"


def _form_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def _stale_form(client) -> str:
    """The subscribe form's token, then the cookie replaced by another visit's."""
    token = _form_token(client.get(SUBSCRIBE))
    client.cookies["csrftoken"] = _get_new_csrf_string()
    return token


def test_form_token_from_an_earlier_cookie_is_refused_with_a_token_that_matches_now(db):
    client = Client(enforce_csrf_checks=True)
    stale = _stale_form(client)

    refused = client.post(SUBSCRIBE, {"csrfmiddlewaretoken": stale, "email": "not-an-address"})

    assert refused.status_code == 403
    fresh = refused[CSRF_TOKEN_HEADER]
    sent_again = client.post(SUBSCRIBE, {"csrfmiddlewaretoken": fresh, "email": "not-an-address"})
    assert sent_again.status_code != 403  # the form's own answer (its error: not an address)


def test_refusal_says_why_and_what_to_do_on_a_page_and_to_htmx(db):
    client = Client(enforce_csrf_checks=True)
    stale = _stale_form(client)
    data = {"csrfmiddlewaretoken": stale, "email": "ann@example.com"}

    page = client.post(SUBSCRIBE, data, headers={"Accept": "text/html"})
    fragment = client.post(SUBSCRIBE, data, headers={"HX-Request": "true"})

    assert page.status_code == fragment.status_code == 403
    assert "reload the form" in page.content.decode()
    assert 'role="alert"' in fragment.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_refusal_without_any_cookie_sets_one_that_its_token_matches(db):
    client = Client(enforce_csrf_checks=True)

    refused = client.post(SUBSCRIBE, {"email": "ann@example.com"})

    assert refused.status_code == 403
    assert "csrftoken" in refused.cookies
    data = {"csrfmiddlewaretoken": refused[CSRF_TOKEN_HEADER], "email": "not-an-address"}
    assert client.post(SUBSCRIBE, data).status_code != 403
