"""/docs and /redoc work on a network without the public CDN (#26 item 2): Swagger UI and ReDoc are served by the
service itself (their files come from PyPI with fastapi-offline), and headless Chromium, with every name but
127.0.0.1 made unresolvable, renders the operations."""

import asyncio
import shutil
import socket
import tempfile

import pytest
import uvicorn

from insurance_shared.db import Database
from insurance_shared.migrations import upgrade
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

from .test_service_ops import make_app

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def render(url: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed for this test (apt-get install chromium; .ci/run installs it)"
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # no network but this machine: a page that reaches for a CDN gets nothing
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=90)
    return out.decode()


async def test_docs_and_redoc_render_their_operations_without_a_network() -> None:
    url = create_test_database("docs_offline")
    db = Database(url)
    try:
        upgrade("contributions", url)
        app = make_app("contributions", url, db)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                await asyncio.sleep(0.05)
            docs = await render(f"http://127.0.0.1:{port}/docs")
            redoc = await render(f"http://127.0.0.1:{port}/redoc")
        finally:
            server.should_exit = True
            await task
    finally:
        await db.dispose()
        drop_test_database(url)
    assert "cdn.jsdelivr.net" not in docs and "cdn.jsdelivr.net" not in redoc
    assert docs.count('class="opblock ') > 20, docs[:2000]  # Swagger UI drew the operations
    assert "登记用人单位" in docs
    assert "登记用人单位" in redoc and "redoc-wrap" in redoc, redoc[:2000]
