"""The bulk uploads' columnar path against the per-line path it must equal (#27 item 1).

On random files (CSV and JSON Lines, one period or several, regular and adjustment; lines valid and not, in
every way the per-line path refuses one; odd spacing, quoting, blank lines, GB18030; the body cut in chunks
anywhere and read in blocks of any size), both paths get the same database and must give the same answer:
the same declarations, amounts and lines when the upload is taken, and when it is refused the same problem with
the same errors, word for word and in the same order, and the same count.
"""

import datetime as dt
import json
import random

import pytest
from sqlalchemy import text

from contributions.declarations import columnar, service
from contributions.declarations.upload_lines import csv_lines, jsonl_lines
from insurance_shared import Principal, Problem
from insurance_shared.uploads import Digest, UploadError, text_blocks, text_lines

from ..helpers import CITY, declare, enrol, first_of, months_ago, resident_id, unit

P = months_ago(6)  # the period most lines declare
LATER = months_ago(2)  # person 7 is enrolled only from here
EARLIER = months_ago(8)
ENROLLED = range(1, 9)
FILES = 60  # per shape; every one is two uploads on the database


@pytest.fixture
async def world(client, auth_headers):
    """A unit with people enrolled in each way a line can meet: always (1-6), only from LATER (7), up to
    EARLIER and again from LATER (8); and a regular declaration of P to adjust."""
    h = auth_headers(*CITY)
    code = await unit(client, h)
    for n in range(1, 7):
        await enrol(client, h, code, n)
    await enrol(client, h, code, 7, start=first_of(LATER).isoformat())
    e = await enrol(client, h, code, 8)
    ended = first_of(EARLIER) + dt.timedelta(days=10)
    r = await client.post(
        f"/persons/{resident_id(8)}/employments/{e['id']}/end",
        json={"end_date": ended.isoformat(), "separation_reason": "contract_expired_not_renewed"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    await enrol(client, h, code, 8, start=first_of(LATER).isoformat())
    r = await declare(client, h, code, EARLIER, {n: "4000.00" for n in range(1, 7)})
    assert r.status_code == 201, r.text
    return code


def _wrong_check(n: int) -> str:
    good = resident_id(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


class Lines:
    """A random file's values: mostly good, wrong in every way a line can be as often as ``dirt`` says (clean
    files are taken, the others refused), a period's people in turn so a clean file repeats nobody."""

    def __init__(self, rng: random.Random, multi: bool, declaring: str) -> None:
        self.rng, self.multi, self.declaring = rng, multi, declaring
        self.dirt = rng.choice([0, 0, 0.01, 0.05, 0.2])
        self.period_of_file = EARLIER if declaring == "adjustment" else P
        self.people: dict[str, list[int]] = {}

    def bad(self) -> bool:
        return self.rng.random() < self.dirt

    def period(self) -> object:
        rng = self.rng
        if not self.multi:
            return rng.choice(["", self.period_of_file, months_ago(3)]) if self.bad() else None
        if self.bad():
            return rng.choice(["", "2024-13", months_ago(-2), "1990-01", "x", P])
        return EARLIER if self.declaring == "adjustment" else rng.choice([P, EARLIER, LATER, months_ago(3)])

    def number(self, period: object) -> object:
        rng = self.rng
        if not self.bad():
            turn = self.people.setdefault(str(period), [])
            if not turn:
                turn += rng.sample(range(1, 7), 6)
            return resident_id(turn.pop())
        n = rng.choice([*ENROLLED, 40, 41])
        good = resident_id(n)
        return rng.choice(
            [
                good,
                f" {good} ",
                good.lower(),
                f"{good[:6]} {good[6:]}",
                _wrong_check(n),
                good[:17],
                "",
                "12345678901234567X",
                resident_id(5, birth="20991231"),  # born in the future
                resident_id(5, area="990000"),  # no such place
                resident_id(5, birth="19900230"),  # no such day
                resident_id(5, birth="00000101"),
                "２２０１０２１９９００１０１００１Ｘ",  # full-width digits
            ]
        )

    def base(self) -> object:
        rng = self.rng
        if not self.bad():
            if self.declaring == "adjustment":
                return rng.choice(["4000.00", "4500.00", "5000", "99999.99"])
            return rng.choice(["4500.00", "5000", "3000.5", "1000.00", "99999.99", "2500.00"])
        return rng.choice(
            [
                "0",
                "0.00",
                " 4500.00 ",
                "12.345",
                "-5",
                "1e3",
                "",
                "abc",
                "9999999999999.99",
                "99999999999999",
                "007",
                "3999.99",
                "100.00",
            ]
        )


def _csv(rng: random.Random, multi: bool, declaring: str) -> str:
    v = Lines(rng, multi, declaring)
    columns = ["id_number", "base"] + (["period"] if multi or rng.random() < 0.3 else [])
    if rng.random() < 0.3:
        columns.append("name")
    rng.shuffle(columns)
    header = ",".join(c.upper() if rng.random() < 0.2 else f" {c}" if rng.random() < 0.1 else c for c in columns)
    out = [""] * rng.choice([0, 0, 0, 1]) + [header]
    for _ in range(rng.randint(0, 30)):
        if rng.random() < 0.05:
            out.append(rng.choice(["", "   ", "\t"]))
            continue
        period = v.period()
        values = {
            "id_number": v.number(period),
            "base": v.base(),
            "period": period or "",
            "name": rng.choice(["张三", "李四", "O'Neil", "a,b"]),
        }
        cells = []
        for c in columns:
            cell = str(values[c])
            if "," in cell or rng.random() < 0.05:
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        if v.bad() and rng.random() < 0.2:
            cells.append("extra")  # a wrong field count refuses the whole upload at this line
        if v.bad() and rng.random() < 0.2:
            cells[0] = cells[0] + "\ttab"
        out.append(",".join(cells))
    return "\n".join(out) + rng.choice(["\n", "", "\r\n"])


def _jsonl(rng: random.Random, multi: bool, declaring: str) -> str:
    v = Lines(rng, multi, declaring)
    out = []
    for _ in range(rng.randint(0, 30)):
        if rng.random() < 0.03 or (v.bad() and rng.random() < 0.1):
            out.append(rng.choice(["", "  ", "{", "[1]", "null", '"x"']))
            continue
        period = v.period()
        obj: dict = {"id_number": v.number(period), "base": v.base()}
        if v.bad():
            obj[rng.choice(["id_number", "base"])] = rng.choice([12345, 4500, 4500.5, None, True, ["x"], {"y": 1}])
        if v.bad():
            del obj[rng.choice(["id_number", "base"])]
        if period is not None or multi:
            obj["period"] = 202401 if v.bad() and rng.random() < 0.3 else period
        if rng.random() < 0.2:
            obj["name"] = "王五"
        items = list(obj.items())
        rng.shuffle(items)
        out.append(json.dumps(dict(items), ensure_ascii=rng.random() < 0.5))
    return "\n".join(out) + "\n"


def _period(declaring: str) -> str:
    return EARLIER if declaring == "adjustment" else P


def _chunks(data: bytes, rng: random.Random):
    async def gen():
        i = 0
        while i < len(data):
            k = rng.choice([1, 7, 64, 1000, 1 << 16])
            yield data[i : i + k]
            i += k

    return gen()


async def _per_line(session, principal, code, kind, data, charset, rng, multi, declaring):
    lines = text_lines(_chunks(data, rng), charset, Digest())
    raw = csv_lines(lines) if kind == "csv" else jsonl_lines(lines)

    async def parsed():
        async for r in raw:
            line, errors = service.parse_raw(r)
            yield line if line is not None else errors

    if multi:
        return await service.declare_periods(session, principal, code, declaring, parsed(), today=dt.date.today())
    return [
        await service.declare(
            session,
            principal,
            code,
            _period(declaring),
            declaring,
            parsed(),
            today=dt.date.today(),
            period_field="query.period",
        )
    ]


async def _columns(session, principal, code, kind, data, charset, rng, multi, declaring):
    blocks = text_blocks(_chunks(data, rng), charset, Digest(), lines=rng.choice([1, 3, 10, 50_000]))
    if multi:
        return await columnar.declare_periods(session, principal, code, declaring, kind, blocks, today=dt.date.today())
    return [
        await columnar.declare(
            session,
            principal,
            code,
            _period(declaring),
            declaring,
            kind,
            blocks,
            today=dt.date.today(),
            period_field="query.period",
        )
    ]


async def _outcome(db, run, *args):
    """What an upload did: its declarations and their lines, or its refusal; then undone."""
    async with db.sessionmaker() as session:
        try:
            made = await run(session, *args)
        except Problem as p:
            errors = [(e.field, e.code, e.message) for e in p.errors]
            return ("refused", p.status, p.code, p.detail, errors, p.extra)
        except UploadError as e:
            return ("unreadable", e.code, e.field, str(e))
        out = []
        for d, clamped, used in made:
            lines = (
                await session.execute(
                    text(
                        "SELECT line_no, person_key, declared_base, base, pension_unit, pension_person, "
                        "unemployment_unit, unemployment_person FROM declaration_lines WHERE declaration_id = :d "
                        "ORDER BY line_no"
                    ),
                    {"d": d.id},
                )
            ).all()
            fields = {k: getattr(d, k) for k in service.DRAFT_COLUMNS}
            out.append((fields, clamped, [u.name for u in used], [tuple(r) for r in lines]))
        await session.rollback()
        return ("taken", out)


@pytest.mark.parametrize(
    ("kind", "multi", "declaring"),
    [
        ("csv", False, "regular"),
        ("csv", True, "regular"),
        ("jsonl", False, "regular"),
        ("jsonl", True, "regular"),
        ("csv", False, "adjustment"),
        ("jsonl", True, "adjustment"),
    ],
)
async def test_columns_equal_lines_on_random_files(db, world, monkeypatch, kind, multi, declaring) -> None:
    monkeypatch.setattr(columnar, "SMALL_UPLOAD", 0)  # these files are small: in columns all the same
    principal = Principal(sub="t", region="220100", roles=frozenset(CITY))
    seen = set()
    for seed in range(FILES):
        rng = random.Random(f"{kind}{multi}{declaring}{seed}")
        body = _csv(rng, multi, declaring) if kind == "csv" else _jsonl(rng, multi, declaring)
        charset = rng.choice([None, None, "gb18030"])
        data = body.encode(charset or "utf-8")
        args = (world, kind, data, charset)
        one = await _outcome(db, _per_line, principal, *args, random.Random(seed), multi, declaring)
        other = await _outcome(db, _columns, principal, *args, random.Random(seed), multi, declaring)
        assert other == one, f"seed {seed}:\n{body}"
        seen.add(one[0] if one[0] != "refused" else one[2])
    # the files were mixed enough to be taken and refused
    assert {"taken", "declaration_invalid"} <= seen, seen


def _person(n: int) -> str:
    return resident_id(n % 1000, birth=f"1990010{1 + n // 1000}")  # helpers' numbers stop at 999


async def test_a_large_upload_goes_in_columns_block_by_block_through_the_api(
    client, auth_headers, db, monkeypatch
) -> None:
    """2,100 lines (past SMALL_UPLOAD) in blocks of 500: through the router, checked in columns, each block's lines
    written while the next is read, the declaration's totals set at the end. Taken, it equals the sum of the
    per-line rule line by line, in file order; with two bad lines, it is refused naming both, and nothing stays."""
    from sqlalchemy import text as sql

    from contributions.rules.amounts import line_amounts
    from contributions.rules.parameters import default_values, parameters_for

    monkeypatch.setattr(columnar, "BLOCK_LINES", 500)
    frames_checked = []
    add_frame = columnar.ColumnarDeclaring.add_frame

    def counted(self, p, lines):
        frames_checked.append(lines.height)
        return add_frame(self, p, lines)

    monkeypatch.setattr(columnar.ColumnarDeclaring, "add_frame", counted)
    h = auth_headers(*CITY)
    code = await unit(client, h)
    people = range(2100)
    roster = "id_number,name,start_date,wage\n" + "".join(f"{_person(n)},职工{n},2020-01-01,5000.00\n" for n in people)
    r = await client.post(
        f"/units/{code}/enrolments/bulk", content=roster.encode(), headers={**h, "content-type": "text/csv"}
    )
    assert r.status_code == 201, r.text[:500]
    bases = [f"{1000 + 7 * n}.{n % 100:02d}" for n in people]  # some below the floor, some above the ceiling
    lines = [f"{_person(n)},{bases[n]}" for n in people]
    headers = {**h, "content-type": "text/csv"}
    url = f"/units/{code}/declarations/bulk?period={P}"

    def body(rows: list[str]):
        data = ("id_number,base\n" + "\n".join(rows)).encode()

        async def chunks():  # as a client's upload arrives: in pieces, so the blocks are several
            for i in range(0, len(data), 8192):
                yield data[i : i + 8192]

        return chunks()

    bad = list(lines)
    bad[700] = f"{_person(700)},12.345"  # line 702 of the file (the header is line 1)
    bad[1900] = f"{_person(5000)},4500.00"  # nobody enrolled
    refused = await client.post(url, content=body(bad), headers=headers)
    assert refused.status_code == 422, refused.text[:500]
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("line[702].base", "money_precision"),
        ("line[1902].id_number", "person_not_enrolled"),
    ]

    frames_checked.clear()
    taken = await client.post(url, content=body(lines), headers=headers)
    assert taken.status_code == 201, taken.text[:500]
    assert len(frames_checked) >= 4 and sum(frames_checked) == 2100, frames_checked
    d = taken.json()
    params = parameters_for(default_values(), "220100", first_of(P))
    want = [line_amounts(int(b.replace(".", "")), params) for b in bases]
    assert d["lines"] == 2100 and d["clamped_lines"] == sum(a.clamped is not None for a in want)
    assert d["unemployment_unit"] == f"{sum(a.unemployment_unit for a in want) / 100:.2f}"
    assert d["total"] == f"{sum(a.total for a in want) / 100:.2f}"
    got, cursor = [], 0
    while True:
        page = (await client.get(f"/declarations/{d['id']}/lines?limit=1000&cursor={cursor}", headers=h)).json()
        got += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert [(x["line_no"], x["id_number"], x["base"]) for x in got] == [
        (n + 1, _person(n), f"{want[n].base / 100:.2f}") for n in people
    ]
    async with db.sessionmaker() as s:  # the refused upload left nothing behind
        assert (await s.execute(sql("SELECT count(*) FROM declarations"))).scalar_one() == 1
