"""Compression follows the client's Accept-Encoding, q-values included (RFC 9110 12.5.3): a
coding given q=0 is refused, however the answer is made (a page rendered or from the page
cache, a stored feed, an admin page through Django's middleware)."""

import gzip

import pytest

from tug_portal.common.responses import MAX_CODINGS_READ, MAX_HEADER_READ, accepts_gzip

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip; Q=1.0", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000, br", False),
        ("br, gzip;q=0, *;q=0.1", False),
        ("gzip;q=nonsense", False),  # a weight RFC 9110 does not allow: the coding is ignored
        ("gzip;q=-1", False),
        ("gzip;q=nan", False),
        ("gzip;q=1e-400", False),
        ("gzip;q=0e0", False),
        ("gzip;q=1.5", False),
        ("gzip;q=1.000", True),
        ("gzip;q=0.001", True),
        ("gzip;q=.5", False),
        ("gzip;q=nonsense, *", True),
        ("identity", False),
        ("", False),
        ("notgzip", False),
        ("GZIP", True),  # a coding's name is case-insensitive (RFC 9110 8.4.1)
        ("br, X-Gzip;q=0.3", True),
        ("*", True),  # any coding not named (RFC 9110 12.5.3)
        ("br, *;q=0.5", True),
        ("*;q=0", False),
        ("gzip;q=0, *", False),  # gzip named and refused: the wildcard does not reopen it
        ("*, gzip;q=0", False),
    ],
)
def test_gzip_is_accepted_when_named_with_a_weight_above_zero(rf, header, accepted):
    assert accepts_gzip(rf.get("/", headers={"Accept-Encoding": header})) is accepted


@pytest.mark.parametrize("filler", ["*", "*;q=0.5", "br", ""])
def test_only_the_first_codings_of_a_long_header_are_read(rf, filler):
    """A client names a handful. An outside try sent 20,000 `*` (60 KB): 47 ms of reading on
    every request, 4 s for the header sent 90 times."""
    read = MAX_CODINGS_READ - 1
    named_in_time = ", ".join([filler] * read + ["gzip"])
    named_too_late = ", ".join([filler] * 20_000 + ["gzip"])

    def accepted(header):
        return accepts_gzip(rf.get("/", headers={"Accept-Encoding": header}))

    assert accepted(named_in_time)
    assert accepted(named_too_late) is (filler.startswith("*"))  # the wildcard, within the first


def test_only_the_start_of_a_long_header_is_read(rf):
    """An outside try sent one coding with 16,000 parameters (`gzip;q=nan;q=1;…`) in 31 header
    lines: 0.95 s a request on /healthz. Clients send well under a hundred characters."""
    flood = "gzip;q=nan" + ";q=1" * 16_000
    late = "br;" + "x" * MAX_HEADER_READ + ", gzip"

    def accepted(header):
        return accepts_gzip(rf.get("/", headers={"Accept-Encoding": header}))

    assert accepted(flood) is False  # its first weight, q=nan, leaves it out; the rest unread
    assert accepted(late) is False
    assert accepted("br;q=1" + ";q=1" * 100 + ", gzip")


@pytest.mark.parametrize("path", ["/", "/calendar/all.ics", "/admin/login/"])
def test_a_client_refusing_gzip_gets_the_plain_body_twice(client, demo, path):
    refuses = {"Accept-Encoding": "br, gzip;q=0"}

    answers = [client.get(path, headers=refuses) for _ in range(2)]

    for answer in answers:
        assert answer.status_code == 200
        assert "Content-Encoding" not in answer
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert not body.startswith(b"\x1f\x8b")
        assert "Accept-Encoding" in answer["Vary"]


@pytest.mark.parametrize("path", ["/", "/calendar/all.ics", "/admin/login/"])
def test_a_client_weighting_gzip_low_still_gets_it(client, demo, path):
    answer = client.get(path, headers={"Accept-Encoding": "br, gzip;q=0.2"})

    body = b"".join(answer.streaming_content) if answer.streaming else answer.content
    assert answer["Content-Encoding"] == "gzip"
    assert gzip.decompress(body)


@pytest.mark.parametrize("header", ["GZIP", "br, *;q=0.5"])
@pytest.mark.parametrize("path", ["/", "/calendar/all.ics", "/admin/login/"])
def test_gzip_accepted_in_capitals_or_by_wildcard_gets_it(client, demo, path, header):
    """Pages (rendered, then from the page cache), feeds and the admin compress for gzip
    however it is spelled."""
    answers = [client.get(path, headers={"Accept-Encoding": header}) for _ in range(2)]

    for answer in answers:
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert answer["Content-Encoding"] == "gzip"
        assert gzip.decompress(body)
