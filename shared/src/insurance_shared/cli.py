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
    args = parser.parse_args(argv)
    settings = settings_cls()  # type: ignore[call-arg]
    if args.command == "migrate":
        logging.basicConfig(level="INFO")
        upgrade(package, settings.database_url)
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
