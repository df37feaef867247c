import logging

from tests.api.support import get_json
from tug_portal.api import endpoints
from tug_portal.meetings.models import Program


def test_get_answers_with_etag_and_public_cache_control(client, demo):
    response = client.get("/api/v1/programs")

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, max-age=60"


def test_get_with_current_etag_is_304_without_body(client, demo, without_aup):
    etag = client.get("/api/v1/meetings/tug-2018-10-16")["ETag"]

    response = client.get("/api/v1/meetings/tug-2018-10-16", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_get_with_weak_form_of_current_etag_is_304(client, demo, without_aup):
    # GZipMiddleware weakens the ETag of a compressed answer; clients send that form back.
    etag = client.get("/api/v1/programs")["ETag"]

    response = client.get("/api/v1/programs", headers={"If-None-Match": f"W/{etag}"})

    assert response.status_code == 304


def test_a_304_to_a_compressed_answer_names_its_etag_as_the_200_did(client, demo, without_aup):
    """A 304 carries the ETag its 200 would (RFC 9110 15.4.5): the compressed 200's is weak
    (GZipMiddleware weakens it), and a 304 that named the strong form left a cache unable to
    match it to the copy it holds."""
    gzip = {"Accept-Encoding": "gzip"}
    compressed = client.get("/api/v1/programs", headers=gzip)
    assert compressed["Content-Encoding"] == "gzip" and compressed["ETag"].startswith("W/")

    again = client.get("/api/v1/programs", headers={**gzip, "If-None-Match": compressed["ETag"]})
    plain = client.get("/api/v1/programs", headers={"If-None-Match": compressed["ETag"]})

    assert (again.status_code, again["ETag"]) == (304, compressed["ETag"])
    assert (plain.status_code, plain["ETag"]) == (304, compressed["ETag"].removeprefix("W/"))


def test_get_with_stale_etag_after_an_edit_is_200_with_new_etag(client, demo, without_aup):
    old = client.get("/api/v1/programs")["ETag"]
    Program.objects.filter(slug="tug").update(name="Technology Users' Group")

    response = client.get("/api/v1/programs", headers={"If-None-Match": old})

    assert response.status_code == 200
    assert response["ETag"] != old
    assert response.json()[1]["name"] == "Technology Users' Group"


def test_error_answers_are_not_cached(client, demo):
    response = client.get("/api/v1/meetings/no-such-meeting")

    assert response.status_code == 404
    assert "Cache-Control" not in response


def test_unknown_api_path_is_json_404(client, db):
    answer = get_json(client, "/api/v1/meetings/tug-2018-10-16/agenda", status=404)

    assert answer == {
        "detail": "No API endpoint at /api/v1/meetings/tug-2018-10-16/agenda; see /api/v1/docs."
    }


def test_post_is_json_405_naming_get(client, db, without_aup):
    response = client.post("/api/v1/meetings")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {"detail": "POST is not allowed here; use GET."}


def test_unexpected_failure_is_logged_and_answered_as_json_500(client, db, monkeypatch, caplog):
    def broken():
        raise RuntimeError("the disk is on fire")

    # Forced: nothing in the API fails on its own, which is the point of the other tests.
    monkeypatch.setattr(endpoints.selectors, "programs_list", broken)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = get_json(client, "/api/v1/programs", status=500)

    assert answer == {"detail": "Internal server error; it has been logged."}
    [record] = caplog.records
    assert record.getMessage() == "Internal Server Error: /api/v1/programs"
    assert str(record.exc_info[1]) == "the disk is on fire"


def test_same_url_in_a_loop_is_refused_in_the_api_error_shape(client, demo):
    answers = [client.get("/api/v1/next-meetings") for _ in range(40)]

    statuses = [answer.status_code for answer in answers]
    refused = answers[statuses.index(429)]
    assert statuses[:2] == [200, 200]
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["detail"].startswith("Too many requests have come from your address")


def test_polling_with_etag_again_at_once_is_304(client, demo):
    etag = client.get("/api/v1/next-meetings")["ETag"]

    response = client.get("/api/v1/next-meetings", headers={"If-None-Match": etag})

    assert response.status_code == 304


def test_next_page_at_once_is_served(client, demo):
    first = get_json(client, "/api/v1/meetings?limit=4")

    response = client.get(first["next"])

    assert response.status_code == 200
