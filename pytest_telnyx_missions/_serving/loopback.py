"""Who may reach a fake: loopback only, unless its user allows more, and the warning then.

The fake accepts any API key and its control API none, so anyone who can reach its port can
read and change it.
"""

from __future__ import annotations

import ipaddress
import socket

__all__ = ["is_loopback", "remote_access_warning"]


def is_loopback(host: str) -> bool:
    """True for a loopback address, or a name whose every address is one (``localhost``)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def remote_access_warning(option: str, where: str, *, control_api: bool) -> str:
    """What anyone who can reach a fake served beyond loopback can do (printed or warned)."""
    control = (
        "; and through the control API (/_fake/, no key needed) read every recorded request "
        "with its headers and body, reset the fake and add fault rules"
        if control_api
        else ""
    )
    return (
        f"{option}: the Telnyx Missions fake at {where} is not limited to this machine. "
        "Anyone who can reach that port can send it API requests with any key, reading and "
        f"changing its missions, runs, events and plans{control}."
    )
