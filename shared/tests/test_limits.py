"""What a client may send (#24 defect 3): too many or too large headers (431), a body over its limit (413, whether
announced or counted as it arrives), a body that stops arriving (408 within the read timeout); each a problem
document, through a real server on localhost."""

import asyncio
import contextlib
import json

import uvicorn
from fastapi import FastAPI, Request

from insurance_shared.errors import install_problem_handlers
from insurance_shared.limits import LimitsMiddleware


def app_with_limits() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(
        LimitsMiddleware,
        max_header_count=20,
        max_header_bytes=4096,
        max_json_bytes=1000,
        max_upload_bytes=5000,
        read_timeout=0.5,
    )

    @app.post("/json")
    async def take_json(body: dict) -> dict:
        return {"keys": len(body)}

    @app.post("/upload")
    async def upload(request: Request) -> dict:
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
        return {"bytes": n}

    return app


async def exchange(port: int, head: bytes, chunks: list[bytes], pause: float = 0) -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    for c in chunks:
        writer.write(c)
        await writer.drain()
        if pause:
            await asyncio.sleep(pause)
    raw = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    status = int(raw.split(b" ", 2)[1])
    body = raw.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(body) if body.startswith(b"{") else {}


async def test_limits_answered_as_problems_by_a_real_server() -> None:
    server = uvicorn.Server(uvicorn.Config(app_with_limits(), host="127.0.0.1", port=0, log_level="error"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        ok = json.dumps({"a": 1}).encode()
        status, _ = await exchange(
            port,
            b"POST /json HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(ok),
            [ok],
        )
        assert status == 200
        # announced too large: refused before a byte of it is read
        status, body = await exchange(
            port,
            b"POST /json HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n",
            [],
        )
        assert (status, body["code"]) == (413, "body_too_large")
        # not announced (chunked) and too large: counted as it arrives
        big = b"x" * 6000
        status, body = await exchange(
            port,
            b"POST /upload HTTP/1.1\r\nhost: t\r\ncontent-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n",
            [b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big)],
        )
        assert (status, body["code"]) == (413, "body_too_large")
        # a gigabyte announced, ten bytes sent, then nothing: 408 within the read timeout, not an hour
        started = asyncio.get_running_loop().time()
        status, body = await exchange(
            port,
            b"POST /upload HTTP/1.1\r\nhost: t\r\ncontent-type: text/csv\r\ncontent-length: 1073741824\r\n\r\n",
            [b"0123456789"],
        )
        assert (status, body["code"]) == (413, "body_too_large")  # over the upload limit already by its announcement
        status, body = await exchange(
            port,
            b"POST /upload HTTP/1.1\r\nhost: t\r\ncontent-type: text/csv\r\ncontent-length: 4000\r\n\r\n",
            [b"0123456789"],
        )
        assert (status, body["code"]) == (408, "body_read_timeout")
        assert asyncio.get_running_loop().time() - started < 5
        # never pausing long enough for that, ten bytes every tenth of a second: 408 once the read timeout has
        # passed at less than the least rate, not when the gigabyte would have arrived
        started = asyncio.get_running_loop().time()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /upload HTTP/1.1\r\nhost: t\r\ncontent-type: text/csv\r\ncontent-length: 4000\r\n\r\n")

        async def trickle() -> None:
            with contextlib.suppress(ConnectionError):
                for _ in range(100):
                    writer.write(b"0123456789")
                    await writer.drain()
                    await asyncio.sleep(0.1)

        sender = asyncio.create_task(trickle())
        raw = await asyncio.wait_for(reader.read(), timeout=10)
        sender.cancel()
        writer.close()
        assert int(raw.split(b" ", 2)[1]) == 408 and b'"body_too_slow"' in raw
        assert asyncio.get_running_loop().time() - started < 3
        many = b"".join(b"x-h%d: v\r\n" % i for i in range(50))
        status, body = await exchange(port, b"GET /json HTTP/1.1\r\nhost: t\r\n" + many + b"\r\n", [])
        assert (status, body["code"]) == (431, "headers_too_large")
    finally:
        server.should_exit = True
        await task


async def test_a_client_leaving_mid_upload_is_not_a_server_error(caplog) -> None:
    """#24 defect 4: a client that disconnects half way through an upload was logged as an unhandled error, with a
    500 in the access log. It is the client's doing: logged at INFO as status 499 (client closed request), and the
    handler never ran to its end, so nothing was written."""
    import logging

    from opentelemetry import trace

    from insurance_shared.observability import Metrics, ObservabilityMiddleware

    finished: list[int] = []
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/upload")
    async def upload(request: Request) -> dict:
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
        finished.append(n)
        return {"bytes": n}

    app.add_middleware(LimitsMiddleware, max_upload_bytes=10_000_000, read_timeout=5)
    app.add_middleware(
        ObservabilityMiddleware, service="disconnect-test", metrics=Metrics(), tracer=trace.get_tracer("test")
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    caplog.set_level(logging.INFO)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n"
            + b"a" * 5000
        )
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()
        for _ in range(100):
            if any(r.name == "disconnect-test.access" for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    finally:
        server.should_exit = True
        await task
    access = [r for r in caplog.records if r.name == "disconnect-test.access"]
    assert [getattr(r, "status", None) for r in access] == [499]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert finished == []
