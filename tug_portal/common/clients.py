"""Who sent a request: the client address the acceptable-use limiter, the login throttle
(django-axes' AXES_CLIENT_IP_CALLABLE) and /readyz's network rule key on.

The direct peer (REMOTE_ADDR) is the only address nobody can forge. X-Forwarded-For is believed
only when that peer is one of our proxies (TUG_TRUSTED_PROXIES, networks in CIDR notation):
each proxy appends the address it received the request from, so the chain is read from the
right, past every hop that is itself a trusted proxy; the first address that is not is the
client. Anything further left was written by the client and is never believed. A request that
reaches the web process directly, from outside those networks, is the peer's own, whatever
headers it carries.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core import checks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    """ "10.0.0.0/8", "::1", "192.0.2.7" (a single host) → networks; ImproperlyConfigured-like
    ValueError on a bad entry, raised at the first request (and by `manage.py check`)."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def in_networks(address: str, cidrs) -> bool:
    return _in_networks(address, tuple(cidrs))


@lru_cache(maxsize=4096)  # asked for every request's peer and hops: the same few addresses
def _in_networks(address: str, cidrs: tuple[str, ...]) -> bool:
    parsed = _address(address)
    if parsed is None:
        return False
    if parsed.version == 6 and parsed.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        parsed = parsed.ipv4_mapped
    return any(parsed in network for network in parse_networks(cidrs))


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TUG_TRUSTED_PROXIES
    if not trusted or not in_networks(remote_addr, trusted):
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    client = remote_addr
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # garbage in the chain: stop at the last address we could trust
        client = hop
        if not in_networks(hop, trusted):
            break
    return client


IPV6_CLIENT_PREFIX = 64  # one subscriber line gets a whole /64: its addresses are one client


@lru_cache(maxsize=4096)
def client_network(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Network | None:
    """The client `address` stands for: itself (IPv4, an IPv4-mapped IPv6 address as IPv4), or
    its /64 (IPv6: anyone on a line holds a whole /64, often more, and may pick any address in
    it, so counting each address apart would give them 2**64 tries). None: not an address."""
    parsed = _address(address)
    if parsed is None:
        return None
    if parsed.version == 6 and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    if parsed.version == 6:
        return ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False)
    return parsed


def throttle_ip(request) -> str:
    """The login throttle's key (django-axes' AXES_CLIENT_IP_CALLABLE): `client_ip`, an IPv6
    one as the first address of its /64 (axes stores it as an address). The logs keep the
    real one."""
    address = client_ip(request)
    network = client_network(address)
    if isinstance(network, ipaddress.IPv6Network):
        return str(network.network_address)
    return str(network) if network is not None else address


@checks.register(checks.Tags.security)
def check_networks(app_configs=None, **kwargs) -> list:
    """`manage.py check` (and every start) names a network setting it cannot read."""
    errors = []
    for name in ("TUG_TRUSTED_PROXIES", "TUG_READYZ_ALLOW_NETWORKS"):
        try:
            parse_networks(tuple(getattr(settings, name)))
        except ValueError as error:
            errors.append(
                checks.Error(
                    f"{name} holds something that is not a network: {error}",
                    hint="Comma-separated CIDRs, e.g. 10.0.0.0/8,192.0.2.7/32,::1",
                    id="tug_portal.E001",
                )
            )
    return errors
