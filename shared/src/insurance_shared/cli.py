"""``python -m <service> migrate|serve``: the same two commands for every service."""

from __future__ import annotations

import argparse
import gc
import logging
from importlib import import_module

from . import pii
from .migrations import upgrade
from .settings import ServiceSettings

__all__ = ["run_cli", "tune_collector"]


def run_cli(package: str, settings_cls: type[ServiceSettings], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the configured database to the latest schema")
    serve = sub.add_parser("serve", help="run the HTTP service with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("relay", help="publish committed events to NATS JetStream (event_transport=nats), alone")
    rotate = sub.add_parser(
        "rotate-keys", help="re-encrypt every sealed value under the current PII key, while the service runs"
    )
    rotate.add_argument("--batch", type=int, default=500, help="values per transaction")
    args = parser.parse_args(argv)
    settings = settings_cls()  # type: ignore[call-arg]
    # the service's keys for what it stores sealed: migrations seal existing values with them
    pii.install(pii.keyring_from(settings))
    if args.command == "migrate":
        from .observability import configure_logging

        configure_logging(settings.log_level, json_lines=settings.log_json)  # the same lines as the service's
        logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # each step it runs, here
        upgrade(package, settings.database_url)
    elif args.command == "rotate-keys":
        import asyncio
        import json

        from .db import Database
        from .rotation import rotate_keys, sealed_columns

        async def rotate() -> list:
            models = import_module(f"{package}.models")
            models.load_all()
            db = Database(settings.database_url)
            try:
                return await rotate_keys(db, pii.installed(), sealed_columns(models.Base.metadata), args.batch)
            finally:
                await db.dispose()

        report = asyncio.run(rotate())
        for p in report:
            print(json.dumps({"column": p.column, "processed": p.processed, "left": p.left}), flush=True)
        done = all(p.left == 0 for p in report)
        print(json.dumps({"done": done, "current_key": pii.installed().current}), flush=True)
        if not done:
            parser.exit(1, "values are left under older keys: run rotate-keys again before removing them\n")
    elif args.command == "relay":
        import asyncio

        from .db import Database
        from .events.runtime import make_relay
        from .observability import configure_logging

        configure_logging(settings.log_level, json_lines=settings.log_json)
        if settings.event_transport != "nats":
            parser.exit(2, "the relay is for event_transport=nats; the feed transport needs none\n")

        async def relay() -> None:
            tune_collector()  # a long-running process like the server's
            db = Database(settings.database_url)
            worker = make_relay(db, package.replace("_", "-"), settings)
            try:
                await worker.run()
            finally:
                await worker.aclose()
                await db.dispose()

        asyncio.run(relay())
    else:
        import uvicorn

        from .observability import configure_logging

        # logging is the process's business, not the app's: tests and embedders keep their own handlers
        configure_logging(settings.log_level, json_lines=settings.log_json)
        app = import_module(f"{package}.main").create_app(settings=settings)
        tune_collector()
        uvicorn.run(
            app,
            host=args.host or settings.host,
            port=args.port or settings.port,
            log_config=None,  # our JSON logging, configured by the app
            access_log=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )


# How long a served connection may rest before the service closes it. Longer than any client keeps one resting:
# uvicorn's 5 s was httpx's own 5 s, so a client could send on a connection in the instant the service closed it
# and get "Server disconnected without sending a response" for a request never read (seen once in the demo
# loader, on a POST). Proxies in front (an ingress, nginx) rest theirs for up to 60 s, so 75.
KEEP_ALIVE_SECONDS = 75

GC_THRESHOLD = (10_000, 10, 10)


def tune_collector() -> None:
    """Make the cyclic garbage collector cheaper for a long-running server, once the app is built.

    The objects alive by now (modules, the app, SQLAlchemy's and pydantic's compiled schemas: several hundred
    thousand) live as long as the process, so they are frozen out of every collection; and the first generation is
    collected after 10,000 allocations instead of 700, since a bulk request allocates far more than 700 objects
    that live until it ends. Measured on a return file of 500 payments: about a third of its CPU went to the
    collector before (bench notes in the README's demo section)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
