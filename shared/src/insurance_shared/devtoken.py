"""Print a development token: ``python -m insurance_shared.devtoken --roles province --region 220000``.

Signed with ``JWT_SECRET`` from the environment, else the development secret every service accepts by default.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from .auth import Role, issue_token
from .regions import all_regions, is_known_region
from .settings import DEV_JWT_SECRET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m insurance_shared.devtoken")
    parser.add_argument("--roles", default="social_insurance", help="comma-separated: " + ", ".join(r for r in Role))
    parser.add_argument("--region", default="220100")
    parser.add_argument("--sub", default=None)
    parser.add_argument("--hours", type=float, default=8)
    args = parser.parse_args(argv)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = [r for r in roles if r not in set(Role)]
    if unknown:
        parser.error(f"unknown role(s) {unknown}; known: {', '.join(Role)}")
    if not is_known_region(args.region):
        known = ", ".join(f"{r.code} {r.name}" for r in all_regions())
        parser.error(f"unknown region {args.region}; known: {known}")
    print(
        issue_token(
            os.environ.get("JWT_SECRET", DEV_JWT_SECRET),
            sub=args.sub or f"dev-{roles[0]}-{args.region}",
            region=args.region,
            roles=roles,
            ttl=dt.timedelta(hours=args.hours),
        )
    )


if __name__ == "__main__":
    main()
