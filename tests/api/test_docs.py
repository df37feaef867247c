import re

import pytest
from django.contrib.staticfiles import finders

from tests.api.support import API_PATHS
from tests.support.browser import watch_for_errors

STATIC_URL = re.compile(r'(?:src|href)="/static/([^"]+)"')


def test_docs_page_loads_swagger_ui_from_our_static_files(client, db):
    response = client.get("/api/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert {
        "vendor/swagger-ui/swagger-ui.css",
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "api/docs.js",
    } <= set(STATIC_URL.findall(html))
    assert all(finders.find(path) for path in STATIC_URL.findall(html))


def test_docs_page_has_no_inline_script_and_no_outside_url(client, db):
    html = client.get("/api/v1/docs").content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "cdn" not in html.lower()
    assert re.findall(r'(?:src|href)="https?://', html) == []


@pytest.mark.browser
def test_docs_page_shows_every_endpoint_in_a_browser(chromium, live_server):
    page = chromium.new_page()
    errors, outside, failed = [], [], []
    watch_for_errors(page, errors, failed)
    page.on(
        "request",
        lambda request: (
            request.url.startswith((live_server.url, "data:")) or outside.append(request.url)
        ),
    )

    response = page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")

    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert sorted(page.locator(".opblock-summary-path").all_inner_texts()) == API_PATHS
    assert errors == []
    assert outside == []
    assert failed == []  # the favicon the browser asks for on its own too
    page.close()
