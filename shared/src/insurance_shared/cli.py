"""``python -m <service> migrate|serve``: the same two commands for every service."""

from __future__ import annotations

import argparse
import logging

from .migrations import upgrade
from .settings import ServiceSettings

__all__ = ["run_cli"]


def run_cli(package: str, settings_cls: type[ServiceSettings], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the configured database to the latest schema")
    serve = sub.add_parser("serve", help="run the HTTP service with uvicorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("relay", help="publish committed events to NATS JetStream (event_transport=nats), alone")
    args = parser.parse_args(argv)
    settings = settings_cls()  # type: ignore[call-arg]
    if args.command == "migrate":
        logging.basicConfig(level="INFO")
        upgrade(package, settings.database_url)
    elif args.command == "relay":
        import asyncio

        from .db import Database
        from .events.runtime import make_relay
        from .observability import configure_logging

        configure_logging(settings.log_level, json_lines=settings.log_json)
        if settings.event_transport != "nats":
            parser.exit(2, "the relay is for event_transport=nats; the feed transport needs none\n")

        async def relay() -> None:
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
        uvicorn.run(
            f"{package}.main:create_app",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            log_config=None,  # our JSON logging, configured by the app
            access_log=False,
        )
