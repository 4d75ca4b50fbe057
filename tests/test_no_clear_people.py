"""#25's proof, from the outside: the demo data (people enrolled by roster and one by one, declarations, payments,
flexible workers with their own accounts, separations, claims at every stage with bank accounts, payment runs and
bank files, subsidies, hard-to-employ certifications, mass layoffs) is loaded through the public APIs, and then
every stored byte is read back raw — each table of each service's database, and each message of each NATS stream —
looking for any identity number (a valid GB 11643 number), any bank card number (a Luhn-valid 62… number) or any
demo person's name. None may be there in clear: people are named by keyed hash, and what is shown is sealed.

Two stacks, as deployed: PostgreSQL with NATS JetStream, and the embedded default (SQLite files and the HTTP feed,
what ``make run`` starts)."""

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import nats
import pytest
from stdnum import luhn
from stdnum.cn import ric

from insurance_shared.events.jetstream import stream_name
from insurance_shared.testing.fixtures import _plain_dsn

from .devstack_process import start_devstack
from .test_stories import SERVICES, running_stack

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import demo  # noqa: E402

DEMO = ["--units", "12", "--people", "150", "--months", "14", "--seed", "2025"]
# a number not part of a longer run of letters or digits (hashes are hex, sealed values base64: their digit runs
# are bounded by letters)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
CARD = re.compile(r"(?<![0-9A-Za-z])62\d{14,17}(?![0-9A-Za-z])")


def demo_names() -> set[str]:
    _, people = demo.plan(argparse.Namespace(**_demo_args()))
    names = {p.name for p in people}
    # the scan itself finds what it looks for: a demo person's number, name and a card as the demo makes them
    probe = f"{{'a': '{people[0].id_number}', 'b': '{people[0].name}', 'c': '6217000012345678907'}}"
    assert len(clear_people("probe", probe, names)) == 3
    return names


def _demo_args() -> dict[str, int]:
    it = iter(DEMO)
    return {k.removeprefix("--"): int(v) for k, v in zip(it, it, strict=True)}


def load_demo(base_port: int) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--base-port", str(base_port), *DEMO],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def clear_people(where: str, text: str, names: set[str]) -> list[str]:
    """What in ``text`` is a person's number, card or name in clear, each with where it was found."""
    found = [f"{where}: identity number {m}" for m in ID_NUMBER.findall(text) if ric.is_valid(m.upper())]
    found += [f"{where}: card {m}" for m in CARD.findall(text) if luhn.is_valid(m)]
    found += [f"{where}: name {n}" for n in names if n in text]
    return found


async def postgres_rows(url: str) -> dict[str, str]:
    """Every table of a database as text, row by row (bytea as hex: sealed or not, it shows no digits in clear)."""
    conn = await asyncpg.connect(_plain_dsn(url))
    try:
        tables = [
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {t: "\n".join(r[0] for r in await conn.fetch(f'SELECT t::text FROM "{t}" t')) for t in tables}
    finally:
        await conn.close()


async def stream_messages(prefix: str) -> dict[str, str]:
    """Every message each service's stream holds, subject, headers and payload."""
    nc = await nats.connect("nats://127.0.0.1:4222")
    try:
        js = nc.jetstream()
        out = {}
        for source, _ in SERVICES:
            name = stream_name(source, prefix)
            info = await js.stream_info(name)
            texts = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
                msg = await js.get_msg(name, seq)
                texts.append(f"{msg.subject} {msg.headers or {}} {(msg.data or b'').decode()}")
            out[name] = "\n".join(texts)
        return out
    finally:
        await nc.close()


@pytest.mark.slow
def test_no_clear_person_stored_anywhere(tmp_path) -> None:
    """Both stacks load the demo at once (each is mostly waiting on its own services), then both are read back."""
    prefix = f"pii{uuid.uuid4().hex[:8]}."
    env = {f"{p}_NATS_PREFIX": prefix for _, p in SERVICES}
    embedded = tmp_path / "embedded"
    embedded.mkdir()
    plain_env = {k: v for k, v in os.environ.items() if not k.endswith(("_DATABASE_URL", "_EVENT_TRANSPORT"))}
    names = demo_names()
    with running_stack("nats", 18301, tmp_path / "nats", env) as stack:
        proc, _ = start_devstack(embedded, 18321, plain_env)
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(load_demo, (18301, 18321)))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        found: list[str] = []
        tables = 0
        for service, url in stack.urls.items():
            for table, text in asyncio.run(postgres_rows(url)).items():
                tables += 1
                found += clear_people(f"postgresql {service}.{table}", text, names)
        messages = asyncio.run(stream_messages(prefix))
    assert tables > 80  # every service's tables were read
    streams = {source: messages[stream_name(source, prefix)] for source, _ in SERVICES}
    assert (
        "contributions.period_paid.v2" in streams["contributions"] and "claims.claim_registered.v2" in streams["claims"]
    )
    for name, text in messages.items():
        found += clear_people(f"nats {name}", text, names)

    # the embedded default, as make run leaves it (each file read with its write-ahead log)
    files = sorted(embedded.glob("*.db"))
    assert len(files) == 4
    for f in files:
        with sqlite3.connect(f) as conn:
            found += clear_people(f"sqlite {f.name}", "\n".join(conn.iterdump()), names)
    assert found == []
