"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With ``--workers N`` uvicorn binds the listening socket itself with
``socket.socket(family)`` (protocol number 0), so asyncio does not recognise the accepted
sockets as TCP and leaves ``TCP_NODELAY`` unset (it sets it only when ``sock.proto ==
IPPROTO_TCP``). An answer written as headers then body then waits for the client's delayed
ACK: about 40 ms per request on Linux (measured: 44 ms per sequential request with 2
workers, 1 ms with 1). ``pacte serve`` and the load benchmark use this class
(``http="pacte.api.protocol:NoDelayH11Protocol"``) whatever the number of workers.
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

SPEC = "pacte.api.protocol:NoDelayH11Protocol"


def set_nodelay(transport) -> None:
    """TCP_NODELAY on the transport's socket when it is a TCP one (not a Unix socket)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - a socket closed under us
            pass


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
