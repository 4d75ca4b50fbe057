"""A served connection stays open while it rests as long as a client or proxy keeps one (insurance_shared.cli
KEEP_ALIVE_SECONDS). With uvicorn's 5 s, the same as httpx's, a client could send on a connection in the instant
the service closed it: the demo loader once got "Server disconnected without sending a response" for a POST the
service never read. A real process, on SQLite; one connection, a request, six seconds' rest, a second request."""

import socket
import subprocess
import time

import pytest

from .service_process import on_sqlite, serve, wait_ready

pytestmark = pytest.mark.slow

PORT = 18661


def answer(sock: socket.socket) -> bytes:
    """One HTTP response (headers and its Content-Length body), or what came before the connection closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def test_a_resting_connection_is_still_served_after_six_seconds(tmp_path) -> None:
    env = on_sqlite("fund_monitor", tmp_path, BACKGROUND_TASKS="false", LOG_LEVEL="WARNING")
    proc = serve("fund_monitor", PORT, env, output=subprocess.DEVNULL)
    try:
        wait_ready(proc, PORT, path="/healthz")
        request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n\r\n".encode()
        with socket.create_connection(("127.0.0.1", PORT), timeout=10) as sock:
            sock.sendall(request)
            assert answer(sock).startswith(b"HTTP/1.1 200")
            time.sleep(6)  # longer than uvicorn's default of 5 s
            sock.sendall(request)
            assert answer(sock).startswith(b"HTTP/1.1 200"), "the service closed a connection resting 6 s"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
