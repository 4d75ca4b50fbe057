"""A client generated from each service's OpenAPI document works against the service.

A city system's developers generate their client from ``/openapi.json`` (here with openapi-python-client, a common
generator); if the document and the wire disagree, the generated code is where it shows: a package name pip
refuses, problems the client cannot parse, operations named after their URL.
"""

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from insurance_shared.db import Database
from insurance_shared.migrations import upgrade
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

from .test_service_ops import PACKAGES, make_app

pytestmark = pytest.mark.slow  # runs the generator once per service (a few seconds each)


@pytest.fixture(scope="module", params=PACKAGES)
def generated(request, tmp_path_factory) -> Iterator[tuple[str, str, object]]:
    package = request.param
    url = create_test_database(package)
    try:
        upgrade(package, url)
        spec = make_app(package, url).openapi()
        out = tmp_path_factory.mktemp(f"client_{package}")
        (out / "openapi.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        bin_dir = Path(sys.executable).parent
        done = subprocess.run(
            [str(bin_dir / "openapi-python-client"), "generate", "--path", "openapi.json", "--meta", "none"],
            cwd=out,
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        name = spec["info"]["title"].replace("-", "_") + "_client"
        assert name.isidentifier() and name.isascii(), name
        sys.path.insert(0, str(out))
        try:
            yield package, url, importlib.import_module(name)
        finally:
            sys.path.remove(str(out))
    finally:
        drop_test_database(url)


async def test_the_generated_client_calls_and_parses_answers_and_problems(generated, auth_headers) -> None:
    package, url, client_package = generated
    db = Database(url)
    app = make_app(package, url, db)
    list_parameters = importlib.import_module(f"{client_package.__name__}.api.parameters.parameters_list_parameters")
    healthz = importlib.import_module(f"{client_package.__name__}.api.ops.ops_healthz")
    try:
        transport = httpx.ASGITransport(app=app)
        token = auth_headers("province", region="220000")["Authorization"].removeprefix("Bearer ")

        public = client_package.Client(base_url="http://t")
        public.set_async_httpx_client(httpx.AsyncClient(transport=transport, base_url="http://t"))
        assert (await healthz.asyncio_detailed(client=public)).status_code == 200

        authed = client_package.AuthenticatedClient(base_url="http://t", token=token)
        authed.set_async_httpx_client(
            httpx.AsyncClient(transport=transport, base_url="http://t", headers={"Authorization": f"Bearer {token}"})
        )
        values = await list_parameters.asyncio(client=authed, region="220100")
        assert isinstance(values, list) and values, values
        assert all(v.reference for v in values)

        refused = client_package.AuthenticatedClient(base_url="http://t", token="not-a-jwt")
        refused.set_async_httpx_client(
            httpx.AsyncClient(transport=transport, base_url="http://t", headers={"Authorization": "Bearer not-a-jwt"})
        )
        problem = await list_parameters.asyncio(client=refused, region="220100")
        assert type(problem).__name__ == "ProblemBody"
        assert problem.status == 401 and problem.code.startswith("token_")
        if package == "contributions":  # the uploads: the generator sends a file as application/octet-stream
            await upload_through_the_generated_client(client_package, transport, auth_headers)
    finally:
        await db.dispose()


async def upload_through_the_generated_client(client_package, transport, auth_headers) -> None:
    """A roster of two, once as CSV and once as JSON Lines, each sent by the generated code as a file: the service
    tells them apart by the first line (#24 item 7: bodies a generator can use)."""
    roster = importlib.import_module(f"{client_package.__name__}.api.persons.persons_enrol_roster")
    types = importlib.import_module(f"{client_package.__name__}.types")
    headers = auth_headers("social_insurance", region="220100")
    unit = "91220101MA0Y3XXK87"
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as raw:
        made = await raw.post(
            "/units",
            json={
                "credit_code": unit,
                "name": "长春市一汽配套零部件有限公司",
                "region": "220100",
                "kind": "enterprise",
                "declared_staff": 120,
            },
        )
        assert made.status_code == 201, made.text
        client = client_package.AuthenticatedClient(base_url="http://t", token="")
        client.set_async_httpx_client(httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers))
        csv = "id_number,name,start_date,wage\n11010519491231002X,张三,2025-09-01,4500.00\n".encode()
        jsonl = '{"id_number": "110105194912310038", "name": "李四", "start_date": "2025-09-01", "wage": "4200.00"}\n'
        for payload in (csv, jsonl.encode()):
            # bytes rather than a file object: the generated code hands the payload to httpx as content, and an async
            # client cannot read a synchronous file object
            answer = await roster.asyncio_detailed(unit, client=client, body=types.File(payload=payload))
            assert answer.status_code == 201, answer.content
        for person in ("11010519491231002X", "110105194912310038"):
            assert (await raw.get(f"/persons/{person}")).status_code == 200
