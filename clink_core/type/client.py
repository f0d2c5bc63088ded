"""The client's address, through the proxies the app trusts."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from .error import ConfError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: headers ``AppConf(proxy_header=...)`` may name.
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def parse_networks(values: Iterable[str] | str, what: str) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` -> networks; a malformed one raises ``ConfError``."""
    if isinstance(values, str):
        values = values.split(",")
    networks = []
    for value in values:
        text = value.strip() if isinstance(value, str) else value
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except (TypeError, ValueError):
            raise ConfError(
                f"{what}: {value!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _ip(text: str) -> Any:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port, as Forwarded writes it
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _hops(header: str, value: str) -> list[str]:
    """The addresses a proxy header lists, nearest client first."""
    if header == "Forwarded":
        hops = []
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, addr = pair.strip().partition("=")
                if name.lower() == "for":
                    hops.append(addr)
        return hops
    return value.split(",")


def client_address(
    env: dict[str, Any], trusted: tuple[Network, ...], header: str
) -> str | None:
    """The address of the client, as the nearest untrusted hop.

    With no trusted proxies, or a peer (``REMOTE_ADDR``) that is not one, the
    peer is the client and the header is ignored (anyone can send it). Else the
    header's hops are walked from the nearest: the first address that is not a
    trusted proxy is the client. A malformed hop ends the walk at the last good one.
    """
    remote: str | None = env.get("REMOTE_ADDR")
    if not trusted or not remote:
        return remote
    peer = _ip(remote)
    if peer is None or not any(peer in net for net in trusted):
        return remote
    raw = env.get("HTTP_" + header.upper().replace("-", "_"))
    if not raw:
        return remote
    client: str = remote
    for hop in reversed(_hops(header, raw)):
        ip = _ip(hop)
        if ip is None:
            break
        client = str(ip)
        if not any(ip in net for net in trusted):
            break
    return client
