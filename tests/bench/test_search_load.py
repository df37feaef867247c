"""The search flood's queries (the flood itself is measured by `make bench`, never by a test)."""

from urllib.parse import parse_qs, urlsplit

from bench.search_load import WEAPONS, p99, search_paths
from tug_portal.meetings.search import search_terms


def test_search_paths_are_varied_repeatable_and_mostly_real_searches():
    paths = search_paths(seed=1, count=2000)
    texts = [parse_qs(urlsplit(path).query)["q"][0] for path in paths]

    assert paths == search_paths(seed=1, count=2000)
    assert paths != search_paths(seed=2, count=2000)
    assert len(set(paths)) > 1800  # nearly every one misses the page cache
    weapons = sum(text in WEAPONS for text in texts)
    assert 100 < weapons < 300
    assert all(search_terms(text) for text in texts if text not in WEAPONS)
    assert {urlsplit(path).path for path in paths} == {"/", "/programs/tug/", "/programs/cpg/"}


def test_p99_is_the_value_below_which_99_percent_lie():
    assert p99([float(n) for n in range(1, 101)]) == 100.0
    assert p99([float(n) for n in range(1, 201)]) == 199.0
    assert p99([]) == 0.0


def test_each_flooder_is_a_client_address_of_its_own_and_the_visitors_are_others(rf, settings):
    from bench.search_load import CLIENTS, VISITOR_ADDRESSES, flooder_address, visitor_address
    from tug_portal.common.clients import client_ip

    settings.TUG_TRUSTED_PROXIES = ["127.0.0.0/8"]  # the default: gunicorn is reached on loopback

    def seen_as(address: str) -> str:
        return client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address))

    flooders = {seen_as(flooder_address(n)) for n in range(CLIENTS)}
    visitors = {seen_as(visitor_address(n)) for n in range(1000)}

    assert len(flooders) == CLIENTS
    assert len(visitors) == VISITOR_ADDRESSES
    assert not flooders & visitors
