"""The client address: X-Forwarded-For is believed only from the proxies' networks."""

import re

import pytest
from django.conf import settings
from django.test import RequestFactory

from tug_portal.common.clients import check_networks, client_ip, in_networks


def request_from(remote_addr, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


def test_client_ip_is_the_socket_address_without_proxies(settings):
    settings.TUG_TRUSTED_PROXIES = []

    assert client_ip(request_from("192.0.2.1", forwarded="203.0.113.9")) == "192.0.2.1"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]

    # Someone reaching the web process directly writes the header themselves.
    assert client_ip(request_from("198.51.100.7", forwarded="203.0.113.9")) == "198.51.100.7"


def test_client_ip_is_taken_from_the_trusted_proxy_hop(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]

    address = client_ip(request_from("10.0.0.1", forwarded="203.0.113.9, 192.0.2.1"))

    assert address == "192.0.2.1"  # what the client wrote itself (203.0.113.9) is ignored


def test_client_ip_walks_past_every_trusted_proxy(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.0/12"]

    address = client_ip(
        request_from("10.0.0.2", forwarded="203.0.113.9, 192.0.2.1, 172.16.4.4, 10.0.0.1")
    )

    assert address == "192.0.2.1"


def test_a_forged_trusted_address_on_the_left_does_not_pass(settings):
    settings.TUG_TRUSTED_PROXIES = ["127.0.0.0/8"]

    # A client claims to be local; the proxy appends its real address.
    address = client_ip(request_from("127.0.0.1", forwarded="127.0.0.1, 198.51.100.7"))

    assert address == "198.51.100.7"


def test_garbage_in_the_chain_stops_the_walk(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request_from("10.0.0.1", forwarded="192.0.2.1, not-an-ip")) == "10.0.0.1"


def test_no_header_from_a_trusted_proxy_is_the_proxy(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]

    assert client_ip(request_from("10.0.0.1")) == "10.0.0.1"


@pytest.mark.parametrize(
    "address, networks, inside",
    [
        ("127.0.0.1", ["127.0.0.0/8"], True),
        ("::1", ["::1"], True),
        ("::ffff:127.0.0.1", ["127.0.0.0/8"], True),
        ("192.0.2.7", ["192.0.2.7"], True),
        ("192.0.2.8", ["192.0.2.7"], False),
        ("", ["0.0.0.0/0"], False),
    ],
)
def test_in_networks(address, networks, inside):
    assert in_networks(address, networks) is inside


def test_gunicorn_listens_on_loopback_by_default():
    web = next(
        line
        for line in (settings.BASE_DIR / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )

    assert "--bind ${TUG_BIND_ADDRESS:-127.0.0.1}:" in web
    assert "0.0.0.0" not in web  # noqa: S104 - the string looked for, not a bind


def test_a_bad_network_is_named_by_the_checks(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example.org"]

    errors = check_networks()

    assert [error.id for error in errors] == ["tug_portal.E001"]
    assert "TUG_TRUSTED_PROXIES" in errors[0].msg


def test_pauses_are_sized_from_the_threads_gunicorn_runs(settings):
    web = (settings.BASE_DIR / "Procfile").read_text()
    threads = int(re.search(r"--threads \$\{WEB_THREADS:-(\d+)\}", web).group(1))

    # The Procfile's default is the settings' (common/fair_use_gate.py pauses half of them).
    assert threads == settings.WEB_THREADS
    assert threads // 2 == settings.TUG_FAIR_USE_REPEAT_PAUSE_THREADS
