"""Nagle off on every connection (:mod:`pacte.api.protocol`): with several workers uvicorn
binds a socket whose protocol number is 0, asyncio then leaves TCP_NODELAY unset and each
answer waits ~40 ms for the client's delayed ACK."""

import socket
from pathlib import Path

import typer
import uvicorn
from typer.testing import CliRunner

from pacte.api.protocol import SPEC, NoDelayH11Protocol, set_nodelay


class Transport:
    def __init__(self, sock):
        self.sock = sock

    def get_extra_info(self, name, default=None):
        return self.sock if name == "socket" else default


def test_accepted_socket_of_a_proto_0_listener_gets_nodelay():
    # the listener as uvicorn's Config.bind_socket makes it for --workers N
    with socket.socket(socket.AF_INET) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            conn, _ = server.accept()
            with conn:
                assert conn.proto == 0  # asyncio's _set_nodelay skips such a socket
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
                set_nodelay(Transport(conn))
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            del client


def test_unix_sockets_and_missing_sockets_are_left_alone():
    a, b = socket.socketpair()
    with a, b:
        set_nodelay(Transport(a))  # no TCP option on a Unix socket: no error
    set_nodelay(Transport(None))


def test_protocol_class_and_serve_use_it(monkeypatch, built_store):
    assert SPEC == f"{NoDelayH11Protocol.__module__}:{NoDelayH11Protocol.__name__}"
    # the benchmarks' server uses the same protocol (written out there, see bench/_server.py)
    bench = Path(__file__).resolve().parents[2] / "bench" / "_server.py"
    assert f'SPEC = "{SPEC}"' in bench.read_text(encoding="utf-8")
    called = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: called.update(kw))
    from pacte.cli.serve import register

    app = typer.Typer()
    register(app)
    app.command("autre")(lambda: None)
    r = CliRunner().invoke(app, ["serve", "--workers", "2", "--db", str(built_store)])
    assert r.exit_code == 0, r.output
    assert called["http"] == SPEC and called["workers"] == 2
    assert called["host"] == "127.0.0.1"
