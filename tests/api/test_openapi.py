import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.api.support import API_PATHS, get_json
from tug_portal.api.api import api


def test_openapi_schema_lists_every_endpoint(client, db):
    schema = get_json(client, "/api/v1/openapi.json")

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "TUG Portal API"
    assert sorted(schema["paths"]) == API_PATHS


def test_openapi_schema_names_the_meeting_filters(client, db):
    schema = get_json(client, "/api/v1/openapi.json")

    parameters = schema["paths"]["/api/v1/meetings"]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == [
        "limit",
        "offset",
        "program",
        "system",
        "from",
        "to",
        "status",
        "updated_since",
    ]


def test_openapi_schema_served_is_the_one_schemathesis_tests(client, db):
    assert get_json(client, "/api/v1/openapi.json") == json.loads(json.dumps(LIVE_SCHEMA))


@pytest.fixture
def connections_kept_open():
    """A WSGI request closes the database connection as it starts and ends, and with it the
    test's transaction; Django's test client keeps it open the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# The schema the portal serves at /api/v1/openapi.json (the same call builds both). Read at
# import, which needs no database; the requests below go through the WSGI application, the whole
# middleware stack included.
LIVE_SCHEMA = api.get_openapi_schema()
schema = schemathesis.openapi.from_dict(LIVE_SCHEMA)
wsgi_application = get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_conforms_to_the_schema(case, demo, without_aup, connections_kept_open):
    # Without the acceptable use policy, so that every generated request reaches the API
    # rather than a 429 (which the schema documents as well). Uncompressed: schemathesis's
    # in-process WSGI transport does not undo the gzip an HTTP client would.
    case.call_and_validate(app=wsgi_application, headers={"Accept-Encoding": "identity"})


def test_openapi_schema_is_built_once_and_then_served_from_the_store(client, db, monkeypatch):
    first = client.get("/api/v1/openapi.json")
    built = []
    monkeypatch.setattr(
        api, "get_openapi_schema", lambda **kwargs: built.append(kwargs) or {"stale": True}
    )

    again = [client.get("/api/v1/openapi.json") for _ in range(3)]

    assert built == []
    assert {response.content for response in again} == {first.content}
    assert again[0]["Content-Type"].startswith("application/json")
    assert again[0]["ETag"] == first["ETag"]
    assert (
        client.get("/api/v1/openapi.json", headers={"If-None-Match": first["ETag"]}).status_code
        == 304
    )


def test_openapi_schema_and_docs_are_counted_in_the_api_budget(client, db, settings):
    settings.TUG_FAIR_USE_BUDGETS = {
        **settings.TUG_FAIR_USE_BUDGETS,
        "api": {**settings.TUG_FAIR_USE_BUDGETS["api"], "burst": 3, "service_burst": 3},
    }
    schema = [client.get("/api/v1/openapi.json").status_code for _ in range(6)]
    docs = client.get("/api/v1/docs")

    assert schema[:3] == [200, 200, 200]
    assert 429 in schema
    assert docs.status_code == 429
    assert "Retry-After" in docs
