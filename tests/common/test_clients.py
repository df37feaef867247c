from django.test import RequestFactory

from tug_portal.common.clients import client_ip


def request_from(remote_addr, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


def test_client_ip_is_the_socket_address_without_proxies(settings):
    settings.TUG_TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("192.0.2.1", forwarded="203.0.113.9")) == "192.0.2.1"


def test_client_ip_is_taken_from_the_trusted_proxy_hop(settings):
    settings.TUG_TRUSTED_PROXY_COUNT = 1

    address = client_ip(request_from("10.0.0.1", forwarded="203.0.113.9, 192.0.2.1"))

    assert address == "192.0.2.1"  # what the client wrote itself (203.0.113.9) is ignored


def test_client_ip_counts_every_trusted_proxy(settings):
    settings.TUG_TRUSTED_PROXY_COUNT = 2

    address = client_ip(request_from("10.0.0.2", forwarded="203.0.113.9, 192.0.2.1, 10.0.0.1"))

    assert address == "192.0.2.1"


def test_client_ip_falls_back_to_the_socket_when_a_proxy_was_bypassed(settings):
    settings.TUG_TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from("192.0.2.7", forwarded="192.0.2.1")) == "192.0.2.7"
