"""Client addresses as the limits count them.

One address may be written many ways (`::ffff:198.51.100.7` is
`198.51.100.7`; `2001:DB8::1` is `2001:db8::1`), and one IPv6 host commonly
holds a whole /64: sign-in lock-outs, sign-up throttles and the socket cap
count `limit_key(address)`, so none of them is escaped by spelling an address
differently or by stepping through a /64. What a person is shown (their list
of sessions) keeps the address as it came."""

from __future__ import annotations

import functools
import ipaddress

IPV6_PREFIX = 64


# Each socket asks twice (counted in, counted out) and a storm's sockets come from
# few addresses: parsing one is most of a handshake's bookkeeping, so the answers
# are kept (a bounded cache of a pure function).
@functools.lru_cache(maxsize=4096)
def limit_key(host: str) -> str:
    """The one spelling under which limits count `host`: an IPv4 address (IPv4-mapped
    IPv6 unmapped), an IPv6 /64 network, or `host` itself when it is no address."""
    try:
        address = ipaddress.ip_address(host.strip())
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address.packed, IPV6_PREFIX), strict=False)
        return str(network)
    return str(address)
