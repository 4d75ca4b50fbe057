"""The raw baseline for request benchmarks: bare FastAPI, one asyncpg pool, a point read (or a constant)."""

import os

import asyncpg
from fastapi import FastAPI

app = FastAPI()
QUERY = os.environ.get("BARE_QUERY", "")


@app.on_event("startup")
async def startup() -> None:
    if QUERY:
        app.state.pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=2, max_size=10)


@app.post("/read")
async def read(body: dict) -> dict:
    if not QUERY:
        return {"ok": True}
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(QUERY, body["id_number"])
    return {"found": row is not None}


@app.get("/read/{key}")
async def read_key(key: str) -> dict:
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(QUERY, key)
    return {"found": row is not None}


@app.get("/constant")
async def constant() -> dict:
    return {"ok": True}
