"""Who sent a request: the client address the acceptable-use limiter and the login throttle key on.

Behind reverse proxies REMOTE_ADDR is the nearest proxy, the same for everyone. Each trusted proxy
appends the address it received the request from to X-Forwarded-For, so with N trusted proxies
the client is the N-th address from the right; anything further left was written by the client
and cannot be trusted. TUG_TRUSTED_PROXY_COUNT says how many proxies there are (0: none).
"""

from django.conf import settings


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TUG_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: a request that bypassed a proxy; trust only the socket.
        return remote_addr
    return hops[-proxies]
