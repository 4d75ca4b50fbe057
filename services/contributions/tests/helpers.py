"""Test data that passes the checksums, and small steps the contribution tests repeat."""

import datetime as dt

from stdnum.cn import ric, uscc

TODAY = dt.date.today()


def credit_code(n: int, region: str = "220101") -> str:
    base = f"91{region}MA{n:07d}"[:17]
    return base + uscc.calc_check_digit(base)


def resident_id(n: int, area: str = "220102", birth: str = "19900101") -> str:
    base = f"{area}{birth}{n:03d}"
    return base + ric.calc_check_digit(base + "0")


def months_ago(k: int) -> str:
    """The period ``k`` months before this one; a negative ``k`` is a month ahead (``months_ago(-1)`` in December
    is January of next year, not a 13th month)."""
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 - k, 12)
    return f"{y:04d}-{m + 1:02d}"


def first_of(period: str) -> dt.date:
    y, m = period.split("-")
    return dt.date(int(y), int(m), 1)


CITY = ("social_insurance",)


async def unit(client, headers, n: int = 1, **extra) -> str:
    region = extra.get("region", "220100")
    code = credit_code(n)
    body = {
        "credit_code": code,
        "name": f"单位{n}",
        "kind": "enterprise",
        "region": region,
        "declared_staff": 50,
        **extra,
    }
    r = await client.post("/units", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return code


async def enrol(client, headers, unit_code: str, n: int, start: str = "2020-01-01", name: str = "张三") -> dict:
    body = {
        "id_number": resident_id(n),
        "name": name,
        "unit_credit_code": unit_code,
        "start_date": start,
        "wage": "5000.00",
    }
    r = await client.post("/persons/enrolments", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def declare(client, headers, unit_code: str, period: str, bases: dict[int, str], kind: str = "regular"):
    lines = [{"id_number": resident_id(n), "base": b} for n, b in bases.items()]
    return await client.post(
        f"/units/{unit_code}/declarations", json={"period": period, "kind": kind, "lines": lines}, headers=headers
    )
