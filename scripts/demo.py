"""Load realistic demo data into the four running services, through their public APIs only (never their tables).

    .venv/bin/python scripts/demo.py [--units 100] [--people 2500] [--months 36] [--seed 2005]

What it makes, deterministically from the seed: units of every kind in Jilin's nine pooling regions (some
provincial-direct, some fully budget-funded institutions), people with valid identity numbers and Chinese names
(Faker's zh_CN locale), monthly declarations (a year per upload) and payments (banks' return files per region
and month) for the chosen months with some units in arrears and some paying late, new hires in the growing
regions, separations over the last two years and claims at every stage (refused, awaiting verification, active,
exhausted, stopped, referred), monthly payment runs, flexible workers in every region (registered, paying their
own months through the street office, some hard to employ and subsidised), a few mass layoffs (one filed late,
one executed),
provincial-direct remittances, and opening balances entered last, once each fund's own flows are known, so that
each region's payment capacity is believable: most between 6 and 30 months, 白山市 in the early-warning band
(under 6) and 白城市 under the two-month line of N§8.

The default is small enough for `make run` to be ready in about a minute; `make demo-full` loads the full size
(``--units 2000 --people 50000``) into a stack of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from typing import Any, TypeVar

import httpx
from faker import Faker
from stdnum import luhn
from stdnum.cn import ric, uscc
from tqdm import tqdm

from insurance_shared.auth import issue_token
from insurance_shared.settings import DEV_JWT_SECRET

T = TypeVar("T")
R = TypeVar("R")
TODAY = dt.date.today()
PROVINCE = "220000"


@dataclass(frozen=True)
class RegionPlan:
    share: float  # of the units
    districts: list[str]  # whose codes are valid for births since 1985
    leaving: float  # share of its workforce losing their job over the last two years
    hiring: float  # share of its workforce hired in the last year (a growing region's insured count rises)
    capacity: float  # the payment capacity (months) its fund is brought to by its takeover balance


# A fund's income runs over the whole history and its benefits over the last two years, so its own flows leave it
# with some months of capacity; the takeover balance, entered last, adds the rest up to ``capacity``. The leaving
# shares keep each region's own flows under its target. The old industrial cities (辽源, 白山, 白城) shrink.
REGIONS = {
    "220100": RegionPlan(0.34, ["220102", "220104", "220105"], 0.26, 0.22, 21.0),
    "220200": RegionPlan(0.17, ["220202", "220203", "220204"], 0.30, 0.18, 15.5),
    "220300": RegionPlan(0.09, ["220302", "220303"], 0.38, 0.08, 11.0),
    "220400": RegionPlan(0.05, ["220402", "220403"], 0.44, 0.04, 8.5),
    "220500": RegionPlan(0.08, ["220502", "220503"], 0.36, 0.10, 13.0),
    "220600": RegionPlan(0.05, ["220602"], 0.54, 0.03, 4.5),  # the early-warning band (under 6 months)
    "220700": RegionPlan(0.09, ["220702"], 0.26, 0.20, 26.0),
    "220800": RegionPlan(0.05, ["220802"], 0.60, 0.0, 1.2),  # under the two-month line (N§8)
    "222400": RegionPlan(0.08, ["222401", "222402"], 0.36, 0.16, 9.5),
}
DRIFTING = "220800"  # 白城市: most of its employers stopped paying; its fund falls under two months
LEAVING_MONTHS = 24  # separations spread over the last two years: the fund has reached its steady spending
REASONS = [
    "contract_expired_not_renewed",
    "dismissed",
    "bankruptcy_or_closure",
    "voluntary_resignation",
]


class Progress:
    """A progress bar on a terminal; in a piped log, one line when the stage ends (no carriage-return redraws)."""

    def __init__(self, desc: str, unit: str, total: int | None = None) -> None:
        self.desc, self.unit, self.done, self.t0 = desc, unit, 0, time.monotonic()
        self.bar = tqdm(total=total, desc=desc, unit=unit) if sys.stderr.isatty() else None

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
        elif exc[0] is None:
            print(f"{self.desc}: {self.done} {self.unit}(s) in {time.monotonic() - self.t0:.1f} s", flush=True)


def month(k: int) -> dt.date:
    """The first day of the month ``k`` months from this one (negative: before)."""
    y, m = divmod(TODAY.year * 12 + TODAY.month - 1 + k, 12)
    return dt.date(y, m + 1, 1)


@dataclass
class Unit:
    code: str
    region: str  # where it pays: 220000 for provincial-direct units
    home: str  # the pooling region its unemployment money belongs to
    staff: list[int] = field(default_factory=list)  # indexes into people
    name: str = ""
    kind: str = "enterprise"
    started: dict[int, dt.date] = field(default_factory=dict)  # person → the day their job began
    owed: dict[str, tuple[Decimal, dt.date]] = field(default_factory=dict)  # period → (amount, due date)
    unpaid_at_end: int = 0  # months left unpaid before today
    unpaid_from: str | None = None  # YYYY-MM: pays nothing from this period on (an employer in crisis)


@dataclass
class Person:
    id_number: str
    name: str
    wage: int  # yuan
    unit: int = -1
    employment_id: int = 0
    leaves: int | None = None  # the month (from now) whose last day the job ends, for people who lose it
    reason: str = ""
    hired: dt.date | None = None  # a new hire of the last year: the job starts that day


class Api:
    """The services at their ports, with a token per (roles, region) made on demand."""

    def __init__(self, host: str, base_port: int, workers: int = 4) -> None:
        names = ["contributions", "claims", "layoff-reporting", "fund-monitor"]
        self.urls = {n: f"http://{host}:{base_port + i}" for i, n in enumerate(names)}
        self.http = httpx.Client(timeout=300, limits=httpx.Limits(max_connections=workers + 2))
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers)
        self.tokens: dict[tuple[tuple[str, ...], str, str], str] = {}

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        roles: tuple[str, ...] = ("social_insurance",),
        region: str = "220100",
        sub: str = "demo",
        ok: tuple[int, ...] = (200, 201),
        **kw: Any,
    ) -> httpx.Response:
        key = (roles, region, sub)
        if key not in self.tokens:
            self.tokens[key] = issue_token(DEV_JWT_SECRET, sub=sub, region=region, roles=list(roles))
        headers = {"Authorization": f"Bearer {self.tokens[key]}", **kw.pop("headers", {})}
        for _ in range(30):  # 503: the service wrote nothing and asks to be asked again (a busy database)
            r = self.http.request(method, self.urls[service] + path, headers=headers, **kw)
            if r.status_code != 503:
                break
            time.sleep(float(r.headers.get("retry-after", "1")))
        if r.status_code not in ok:
            raise SystemExit(f"{method} {service}{path}: {r.status_code} {r.text[:600]}")
        return r

    def concurrently(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` over ``items`` from a few threads, results in order: the services are asynchronous and the
        loader would otherwise spend most of its time waiting for one answer at a time."""
        return self.pool.map(fn, items)

    def each(self, fn: Callable[[T], object], items: Iterable[T], desc: str, unit: str) -> None:
        """:meth:`concurrently`, with a progress bar."""
        items = list(items)
        with Progress(desc, unit, len(items)) as bar:
            for _ in self.concurrently(fn, items):
                bar.update(1)

    def wait_ready(self) -> None:
        for name, url in self.urls.items():
            for _ in range(100):
                try:
                    if self.http.get(url + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit(f"{name} is not ready at {url}: start the services first (make run)")


def id_number(rng: random.Random, region: str, seen: set[str]) -> str:
    while True:
        district = rng.choice(REGIONS[region].districts)
        born = dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(365 * 18))
        base = f"{district}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = base + ric.calc_check_digit(base + "0")
        if number not in seen and ric.is_valid(number):
            seen.add(number)
            return number


def credit_code(rng: random.Random, region: str, seen: set[str]) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        base = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
        code = base + uscc.calc_check_digit(base)
        if code not in seen:
            seen.add(code)
            return code


def plan(args: argparse.Namespace) -> tuple[list[Unit], list[Person]]:
    rng = random.Random(args.seed)
    regions = list(REGIONS)
    weights = [REGIONS[r].share for r in regions]
    codes: set[str] = set()
    units = []
    for i in range(args.units):
        home = rng.choices(regions, weights)[0]
        direct = i % 33 == 5  # about 3%: provincial-direct units pay the province (N§3(4))
        if direct:
            home = rng.choice(["220100", "220200"])  # the province's own enterprises sit in the large cities
        units.append(Unit(credit_code(rng, home, codes), PROVINCE if direct else home, home))
    ids: set[str] = set()
    fake = Faker("zh_CN")
    fake.seed_instance(args.seed)
    people = []
    for i in range(args.people):
        u = i % len(units) if i < len(units) else rng.randrange(len(units))
        unit = units[u]
        p = Person(id_number(rng, unit.home, ids), fake.name(), rng.randrange(2200, 9000, 100), unit=u)
        unit.staff.append(i)
        people.append(p)
    # Each region's leavers and new hires by quota, not by a draw per person, and the leavers' months spread
    # evenly: a small region's fund would otherwise swing by chance (its few claims all early, say) and miss its
    # planned capacity. Leavers have a year of contributions in the history at least, so none is refused for the
    # window's sake; provincial-direct units keep their staff.
    spread = max(1, min(LEAVING_MONTHS, args.months - 12))
    reasons = [REASONS[0]] * 4 + [REASONS[1]] * 3 + [REASONS[2]] + [REASONS[3]] * 2
    for code, region in REGIONS.items():
        pool = [i for i, p in enumerate(people) if units[p.unit].home == code and units[p.unit].region != PROVINCE]
        rng.shuffle(pool)
        leaving = round(region.leaving * len(pool))
        for j, i in enumerate(pool[:leaving]):
            people[i].leaves = -(1 + j % spread)
            people[i].reason = reasons[j % len(reasons)]
        for i in pool[leaving : leaving + round(region.hiring * len(pool))]:
            people[i].hired = month(-rng.randrange(1, 12)) + dt.timedelta(days=rng.randrange(0, 25))
    return units, people


def load(api: Api, args: argparse.Namespace) -> bool:
    """Load everything; False when this seed's data is there already."""
    rng = random.Random(args.seed + 1)
    fake = Faker("zh_CN")
    fake.seed_instance(args.seed)
    units, people = plan(args)
    first = month(-args.months)
    api.wait_ready()
    probe = api.call("contributions", "GET", f"/units/{units[0].code}", region=units[0].region, ok=(200, 404))
    if probe.status_code == 200:
        print(f"demo data of seed {args.seed} is already loaded; `make clean` (then make run) or use another --seed")
        return False

    # the provincial adjustment fund's balance at the takeover of the books; the regions' are entered last
    # (settle_funds), once their own flows are known
    api.call(
        "fund-monitor",
        "POST",
        f"/regions/{PROVINCE}/opening-balance",
        roles=("province",),
        region=PROVINCE,
        json={"as_of": str(first - dt.timedelta(days=1)), "amount": f"{len(people) * 200}.00"},
        ok=(201, 409),
    )

    def register(i: int) -> None:
        unit = units[i]
        budget = i % 20 == 7  # about 5%: fully budget-funded institutions (N§2 ¶2)
        body = {
            "credit_code": unit.code,
            "name": unit.name,
            "kind": "public_institution" if budget else unit.kind,
            "region": unit.region,
            "declared_staff": max(len(unit.staff), 1) + i % 5,
            "fully_budget_funded": budget,
            "provincial_direct": unit.region == PROVINCE,
        }
        if unit.region == PROVINCE:
            body["home_region"] = unit.home
        api.call("contributions", "POST", "/units", json=body, region=unit.region, ok=(201, 409))

    for i, unit in enumerate(units):  # names drawn in order, so the seed decides them whatever the threads do
        budget = i % 20 == 7
        unit.name = fake.company() if not budget else f"{fake.city_name()}市{rng.choice(['第一', '第二', '实验'])}中学"
        unit.kind = rng.choices(
            ["enterprise", "individual_business", "non_public_organisation", "public_institution"], [80, 10, 5, 5]
        )[0]
        unit.started = {s: people[s].hired or first - dt.timedelta(days=rng.randrange(0, 900)) for s in unit.staff}
    api.each(register, range(len(units)), "units", "unit")

    def enrol(unit: Unit) -> None:
        """The unit's staff in one roster upload (CSV), the way a city system moves its records."""
        staff = [people[s] for s in unit.staff]
        csv = "id_number,name,start_date,wage\n" + "".join(
            f"{p.id_number},{p.name},{unit.started[s]},{p.wage}.00\n" for s, p in zip(unit.staff, staff, strict=True)
        )
        enrolled = api.call(
            "contributions",
            "POST",
            f"/units/{unit.code}/enrolments/bulk",
            content=csv.encode("utf-8"),
            headers={"content-type": "text/csv"},
            region=unit.region,
        ).json()["employments"]
        ids = {e["id_number"]: e["employment_id"] for e in enrolled}
        for p in staff:
            p.employment_id = ids[p.id_number]

    staffed = [u for u in units if u.staff]
    api.each(enrol, staffed, "people (a roster per unit)", "unit")

    periods = [month(-k) for k in range(args.months, 0, -1)]
    for i, unit in enumerate(units):
        unit.unpaid_at_end = rng.randrange(2, 6) if i % 12 == 3 else 0  # about 8% stop paying: arrears
    crisis = [u for u in units if u.home == DRIFTING and u.region != PROVINCE]
    for j, unit in enumerate(crisis):  # 白城市's employers in crisis: three in four stopped paying long ago
        if j % 4 != 3:
            unit.unpaid_from = f"{month(-rng.randrange(18, 25)):%Y-%m}"

    def declare(unit: Unit, year: list[dt.date]) -> None:
        """A year of monthly declarations in one upload (each period its own declaration), as a unit's history
        moves over from the old system; a year at a time, so payments meet only the months that had come."""
        lines = "".join(
            f"{period:%Y-%m},{people[s].id_number},{people[s].wage}.00\n"
            for period in year
            for s in unit.staff
            if (people[s].leaves is None or month(people[s].leaves) >= period)
            and (people[s].hired is None or people[s].hired.replace(day=1) <= period)
        )
        if not lines:
            return
        made = api.call(
            "contributions",
            "POST",
            f"/units/{unit.code}/declarations/periods",
            content=("period,id_number,base\n" + lines).encode("utf-8"),
            headers={"content-type": "text/csv"},
            region=unit.region,
        ).json()["declarations"]
        unit.owed = {d["period"]: (Decimal(d["total"]), dt.date.fromisoformat(d["due_date"])) for d in made}

    for start in range(0, len(periods), 12):
        year = periods[start : start + 12]
        label = f"{year[0]:%Y-%m}..{year[-1]:%Y-%m}"
        api.each(lambda u, year=year: declare(u, year), staffed, f"declarations {label}", "unit")
        pay_all(api, units, final=start + 12 >= len(periods), label=label)

    # provincial-direct money to the home regions, month by month (N§3(4))
    with Progress("remittances", "month", len(periods)) as bar:
        for period in periods:
            api.call(
                "contributions",
                "POST",
                "/remittances/run",
                json={"month": f"{period:%Y-%m}"},
                roles=("province",),
                region=PROVINCE,
            )
            bar.update(1)

    claims_stage(api, args, rng, units, people)
    flexible_stage(api, args, rng, fake, people)
    settle_funds(api, first)
    layoffs_stage(api, rng, units, people)
    return True


def pay_all(api: Api, units: list[Unit], *, final: bool, label: str) -> None:
    """Payments as the banks' return files bring them, a year of a region's files in one upload (history moved
    over from the old system; the service applies each unit's payments in date order). Most units pay each
    month's declaration on its due date; about 8% stop paying a few months before today (arrears, with late fees
    accruing); about 8% pay each quarter late, a little more than the quarter's contributions, which does not
    quite cover the late fee, so their arrears grow."""
    lines: list[tuple[dt.date, str, str, str]] = []  # (paid on, collecting region, unit, amount)
    for i, unit in enumerate(units):
        owed = sorted(unit.owed.items())
        unit.owed = {}
        if final and unit.unpaid_at_end:
            owed = owed[: -unit.unpaid_at_end]
        if unit.unpaid_from:
            owed = [o for o in owed if o[0] < unit.unpaid_from]
        if i % 12 == 8:
            for q in range(0, len(owed), 3):
                quarter = owed[q : q + 3]
                paid_on = min(quarter[-1][1][1] + dt.timedelta(days=20), TODAY)
                amount = (sum(a for _, (a, _) in quarter) * Decimal("1.05")).quantize(Decimal("1"), ROUND_UP)
                lines.append((paid_on, unit.region, unit.code, f"{amount}.00"))
            continue
        for _, (amount, due) in owed:
            lines.append((min(due, TODAY), unit.region, unit.code, str(amount)))
    by_unit: dict[str, list[tuple[dt.date, str, str, str]]] = defaultdict(list)
    for line in sorted(lines):  # by date: a unit's payments are applied in the order they were made
        by_unit[line[2]].append(line)
    files: dict[str, list[list[tuple[dt.date, str, str, str]]]] = defaultdict(lambda: [[]])
    for unit_lines in by_unit.values():  # a region's files of up to about 500 payments, a unit whole in one
        region = files[unit_lines[0][1]]
        if len(region[-1]) >= 500:
            region.append([])
        region[-1].extend(unit_lines)

    def send(file: list[tuple[dt.date, str, str, str]]) -> int:
        body = "credit_code,amount,paid_on\n" + "".join(
            f"{code},{amount},{paid_on}\n" for paid_on, _, code, amount in file
        )
        api.call(
            "contributions",
            "POST",
            "/payments/bulk",
            content=body.encode("utf-8"),
            headers={"content-type": "text/csv"},
            region=file[0][1],
        )
        return len(file)

    with Progress(f"payments {label} (return files)", "payment", len(lines)) as bar:
        for sent in api.concurrently(send, [f for region in files.values() for f in region]):
            bar.update(sent)


def claims_stage(
    api: Api, args: argparse.Namespace, rng: random.Random, units: list[Unit], people: list[Person]
) -> None:
    """The people who lost their job over the last 15 months: separation, registration, verification, monthly
    payment runs month by month, referrals and stops; claims at every stage."""
    leavers = sorted((i for i, p in enumerate(people) if p.leaves is not None), key=lambda i: people[i].leaves)

    by_unit: dict[int, list[int]] = defaultdict(list)
    finished: list[int] = []  # the last person of each file, in the order the files were answered
    for i in leavers:
        by_unit[people[i].unit].append(i)

    def separate(u: int) -> None:
        """A unit's leavers of the last 15 months in one upload, each job ending on its month's last day."""
        body = "id_number,end_date,separation_reason\n" + "".join(
            f"{people[i].id_number},{month(people[i].leaves + 1) - dt.timedelta(days=1)},{people[i].reason}\n"
            for i in by_unit[u]
        )
        api.call(
            "contributions",
            "POST",
            f"/units/{units[u].code}/separations/bulk",
            content=body.encode("utf-8"),
            headers={"content-type": "text/csv"},
            region=units[u].region,
        )
        finished.append(by_unit[u][-1])

    api.each(separate, sorted(by_unit), "separations (a file per unit)", "unit")
    # claims learns of contribution months and separations through events, in commit order: once it knows the
    # separations of the last files answered (the last commit is among the last few in flight), it knows them all
    probes = [people[i] for i in finished[-api.workers :]]
    deadline = time.monotonic() + 1800
    with Progress("waiting for claims to catch up with the events", "check") as bar:
        while probes and time.monotonic() < deadline:
            p = probes[-1]
            region = units[p.unit].home
            d = api.call(
                "claims",
                "POST",
                "/eligibility/check",
                roles=("employment_service",),
                region=region,
                json={"id_number": p.id_number, "region": region, "job_seeking": True},
            ).json()
            if any(
                c["name"] == "involuntary_separation" and c["values"].get("separation_reason") for c in d["criteria"]
            ):
                probes.pop()
                continue
            bar.update(1)
            time.sleep(1)
    verified: dict[int, tuple[int, str, int]] = {}  # n → (person, region, claim id) of verified claims
    registered_on = {
        i: min(month(people[i].leaves + 1) + dt.timedelta(days=rng.randrange(0, 20)), TODAY) for i in leavers
    }

    def claim(item: tuple[int, int]) -> None:
        n, i = item
        p = people[i]
        region = units[p.unit].home
        community = f"community-{region}-{n % 7 + 1:03d}"
        waiting = n % 20 == 0 and p.leaves == -1  # registered last month, awaiting the community's verification
        body = {
            "id_number": p.id_number,
            "name": p.name,
            "region": region,
            "registered_on": str(registered_on[i]),
            "job_seeking": True,
        }
        if not waiting:
            body["community"] = community  # registered and sent to the community for verification in one call
        made = api.call(
            "claims", "POST", "/claims", roles=("employment_service",), region=region, ok=(201, 409, 422), json=body
        )
        if made.status_code != 201 or not made.json()["eligible"] or waiting:
            return  # refused (voluntary resignations, with the reason), or waiting for the verification request
        cid = made.json()["id"]
        if n % 20 == 1 and p.leaves == -1:
            return  # awaiting verification
        if n % 30 == 2:
            api.call(
                "claims",
                "POST",
                f"/claims/{cid}/reject",
                roles=("community",),
                region=region,
                sub=community,
                json={"reason": "核实发现已在个体经营"},
            )
            return
        card = f"62{n % 7}{i:015d}"[:18]
        api.call(  # the claimant's own account, for the bank (N§4)
            "claims",
            "PUT",
            f"/claims/{cid}/payee-account",
            roles=("employment_service",),
            region=region,
            json={
                "bank_code": BANKS[n % len(BANKS)],
                "card_number": card + luhn.calc_check_digit(card),
                "holder_name": p.name,
            },
        )
        api.call(
            "claims",
            "POST",
            f"/claims/{cid}/verify",
            roles=("community",),
            region=region,
            sub=community,
            json={"certificate_no": f"社证〔{TODAY.year}〕{n:04d}号"},
        )
        verified[n] = (i, region, cid)

    api.each(claim, list(enumerate(leavers)), "claims", "claim")
    claims = [verified[n] for n in sorted(verified)]
    per_region = defaultdict(int)
    for _, r, _ in claims:
        per_region[r] += 1
    regions = sorted(per_region, key=lambda r: -per_region[r])  # the busiest first, so none is left to run alone
    # from the month after the first separation up to last month: this month's run is the README tour's to make;
    # each run's batches approved by a second officer and paid by the bank (its return file), so the fund's
    # expenditure is what the banks confirmed
    first_run = min((people[i].leaves for i in leavers), default=-1) + 1

    def runs(region: str) -> None:  # a region's months in order; the regions side by side
        for k in range(first_run, 0):
            pay_month(api, region, month(k))

    api.each(runs, regions, f"monthly payment runs ({-first_run} months)", "region")

    def refer_or_stop(item: tuple[int, tuple[int, str, int]]) -> None:
        n, (_person, region, cid) = item
        if n % 11 == 5:
            api.call(
                "claims",
                "POST",
                f"/claims/{cid}/referrals",
                roles=("employment_service",),
                region=region,
                ok=(201, 422),  # a claim already exhausted is not referred: the service says so
                json={"employer": "吉林某物流公司", "job": "仓库管理员", "referred_on": str(TODAY)},
            )
        elif n % 13 == 6:
            api.call(
                "claims",
                "POST",
                f"/claims/{cid}/stops",
                region=region,
                ok=(200, 201, 409, 422),
                json={"effective_date": str(TODAY), "reason": "reemployed_business_licence"},
            )

    chosen = [(n, c) for n, c in enumerate(claims) if n % 11 == 5 or n % 13 == 6]
    api.each(refer_or_stop, chosen, "referrals and stops", "claim")


# three banks: each month's run makes a batch per bank, each approved, downloaded and returned by the demo, and
# the payment runs are the longest stage of the load
BANKS = ("ICBC", "CCB", "JLBANK")


def pay_month(api: Api, region: str, when: dt.date) -> None:
    """The month's run, its batches approved by a second officer, and the banks' return files: all paid; and the
    month's transfer of the beneficiaries' medical-insurance contributions (SIL48), approved the same way."""
    run = api.call(
        "claims",
        "POST",
        "/payment-runs",
        region=region,
        ok=(200, 409),
        json={"region": region, "month": f"{when:%Y-%m}"},
    )
    if run.status_code != 200:
        return
    transfer = run.json()["medical_transfer"]
    if transfer is not None and transfer["state"] == "draft":
        api.call("claims", "POST", f"/medical-transfers/{transfer['id']}/approve", region=region, sub="demo-checker")
    for batch in run.json()["batches"]:
        api.call("claims", "POST", f"/payment-batches/{batch['id']}/approve", region=region, sub="demo-checker")
        file = api.call("claims", "GET", f"/payment-batches/{batch['id']}/file", region=region).content
        rows = [line.split(",") for line in file.decode("gb18030").splitlines()[3:-1]]
        body = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
            f"{r[1]},{r[2]},{r[4]},paid,,{min(TODAY, when + dt.timedelta(days=19))}\n" for r in rows
        )
        api.call(
            "claims",
            "POST",
            f"/payment-batches/{batch['id']}/returns",
            region=region,
            content=body.encode(),
            headers={"Content-Type": "text/csv"},
        )


NO_SUBSIDY = "220400"  # 辽源市 subsidises nobody: monitoring flags its uptake (N§6 ¶2)


def flexible_stage(api: Api, args: argparse.Namespace, rng: random.Random, fake: Faker, people: list[Person]) -> None:
    """Flexible workers in every region (N§3(2), N§6): each registered by real name, a third under an agreement
    with the street office, a third self-employed with a licence, a third otherwise; those with an agreement or a
    licence pay their own contributions on the merged track, a year of months uploaded by the street office (some
    with the last month still unpaid); the agreement holders are certified hard to employ and subsidised, month by
    month in runs a second officer approves, except in 辽源市, whose uptake monitoring flags."""
    seen = {p.id_number for p in people}
    per_region = max(3, args.people // 400)
    start = month(-12)
    workers: dict[str, list[tuple[str, str, str]]] = {}  # region → (id number, name, kind)
    for region in REGIONS:
        workers[region] = [
            (id_number(rng, region, seen), fake.name(), ("agreement", "licence", "other")[i % 3])
            for i in range(per_region)
        ]

    def register(item: tuple[str, int, tuple[str, str, str]]) -> None:
        region, i, (number, name, kind) = item
        body: dict[str, Any] = {
            "id_number": number,
            "name": name,
            "region": region,
            "kind": kind,
            "start_date": str(start),
        }
        if kind == "agreement":
            body |= {
                "agreement_no": f"{region}劳协{start:%Y}-{i:04d}",
                "agreement_end": str(month(6 + i % 6) - dt.timedelta(days=1)),
            }
        elif kind == "licence":
            body["licence_no"] = f"{region}-{start:%Y}-{i:06d}"
        api.call("contributions", "POST", "/flexible-employments", json=body, region=region)
        if kind != "other":
            enrolment = {
                "id_number": number,
                "name": name,
                "track": "flexible",
                "region": region,
                "start_date": str(start),
                "wage": "3000.00",
            }
            api.call("contributions", "POST", "/persons/enrolments", json=enrolment, region=region)

    items = [(r, i, w) for r, ws in workers.items() for i, w in enumerate(ws)]
    api.each(register, items, "flexible workers (real-name register)", "person")

    def upload(region: str) -> None:
        """The street office's collection for the year: one CSV, each line a month declared and, if paid, the day."""
        lines = []
        for i, (number, _, kind) in enumerate(workers[region]):
            if kind == "other":
                continue
            base = ("3000.00", "3500.00", "4200.00")[i % 3]
            for k in range(12, 0, -1):
                paid = not (k == 1 and i % 4 == 1)  # some have not paid last month yet
                paid_on = min(month(-k + 1) + dt.timedelta(days=9), TODAY)
                lines.append(f"{number},{month(-k):%Y-%m},{base},monthly,{paid_on if paid else ''}\n")
        api.call(
            "contributions",
            "POST",
            "/flexible-workers/contributions/bulk",
            content=("id_number,period,base,frequency,paid_on\n" + "".join(lines)).encode("utf-8"),
            headers={"content-type": "text/csv"},
            region=region,
        )

    api.each(upload, list(REGIONS), "flexible workers' own months (a street office's upload per region)", "region")

    subsidised = [
        (region, number, name)
        for region, ws in workers.items()
        if region != NO_SUBSIDY
        for number, name, kind in ws
        if kind == "agreement"
    ]
    for year in sorted({month(-11).year, TODAY.year}):
        for region in REGIONS:
            api.call(
                "fund-monitor",
                "POST",
                f"/reemployment-funds/{region}/allocations",
                roles=("province",),
                region=PROVINCE,
                json={"year": year, "amount": f"{per_region * 3000}.00", "reference": f"吉财社〔{year}〕12号 (演示)"},
            )

    categories = {
        number: rng.choice([["long_term_unemployed"], ["over_40_women"], ["over_50_men", "disabled"]])
        for _, number, _ in subsidised
    }  # drawn here, in order: the threads below would draw in any order

    def ready(item: tuple[str, str, str]) -> None:
        """Certified hard to employ, then (once claims has their paid months) the subsidy applied for."""
        region, number, name = item
        emp = ("employment_service",)
        api.call(
            "claims",
            "POST",
            "/hard-to-employ",
            roles=emp,
            region=region,
            json={
                "id_number": number,
                "name": name,
                "region": region,
                "categories": categories[number],
                "certified_on": str(start),
                "review_on": str(month(12)),
            },
        )
        check = {"id_number": number, "region": region, "on": str(TODAY), "job_seeking": True}
        for _ in range(240):  # the months cross to claims as events
            r = api.call("claims", "POST", "/eligibility/check", roles=emp, region=region, json=check, ok=(200, 404))
            if r.status_code == 200:
                counted = next(c for c in r.json()["criteria"] if c["name"] == "contribution_months")
                if counted["values"]["months_paid_since_restart"] >= 11:
                    break
            time.sleep(0.5)
        decided = api.call(
            "claims",
            "POST",
            "/social-insurance-subsidies",
            roles=emp,
            region=region,
            json={"id_number": number, "name": name, "region": region, "applied_on": str(start)},
            ok=(201, 422),
        )
        if decided.status_code == 422:  # claims had not heard of the person in time: say so, and go on
            print(f"note: a subsidy in {region} was refused: {decided.json()['detail']}", flush=True)
            return
        subsidy = decided.json()
        card = f"62170000{int(number[6:14]) % 10**10:010d}"  # a card in the person's name at the province's bank
        api.call(
            "claims",
            "PUT",
            f"/social-insurance-subsidies/{subsidy['id']}/payee-account",
            roles=emp,
            region=region,
            json={"bank_code": "JLBANK", "card_number": card + luhn.calc_check_digit(card), "holder_name": name},
        )

    api.each(ready, subsidised, "hard to employ, subsidy applied for", "person")

    def runs(region: str) -> None:
        for k in range(11, -1, -1):
            made = api.call(
                "claims",
                "POST",
                "/social-insurance-subsidies/runs",
                roles=("employment_service",),
                region=region,
                json={"region": region, "month": f"{month(-k):%Y-%m}"},
                ok=(201, 409),  # 409: the region's run of that month is made already (a loader run before)
            )
            if made.status_code == 409:
                continue
            run = made.json()
            api.call(
                "claims",
                "POST",
                f"/social-insurance-subsidies/runs/{run['id']}/approve",
                roles=("employment_service",),
                region=region,
                sub="demo-checker",
            )
            if not run["lines"]:
                continue
            # the bank's file and its return file: every line paid on the run's month's 20th (or today)
            file = api.call(
                "claims",
                "GET",
                f"/social-insurance-subsidies/runs/{run['id']}/file",
                params={"bank_code": "JLBANK"},
                roles=("employment_service",),
                region=region,
            ).content
            rows = [line.split(",") for line in file.decode("gb18030").splitlines()[3:-1]]
            paid_on = min(month(-k).replace(day=20), TODAY)
            answer = "line_no,account,amount,status,reason_code,value_date\n" + "".join(
                f"{r[1]},{r[2]},{r[4]},paid,,{paid_on}\n" for r in rows
            )
            api.call(
                "claims",
                "POST",
                f"/social-insurance-subsidies/runs/{run['id']}/returns",
                content=answer.encode(),
                headers={"content-type": "text/csv"},
                roles=("employment_service",),
                region=region,
            )

    api.each(runs, [r for r in REGIONS if r != NO_SUBSIDY], "subsidy runs (a year per region)", "region")


def settle_funds(api: Api, first: dt.date) -> None:
    """Each region's balance at the takeover of the books, entered last, once its own flows are known: sized so
    that its fund ends at the region's planned payment capacity (REGIONS: most between 6 and 30 months, 白山市 in
    the early-warning band, 白城市 under the two-month line of N§8). A takeover balance can only add: a region whose
    own flows already leave it above its plan gets a token balance, and the loader says so."""

    def figures() -> dict[str, tuple[float, float]]:
        o = api.call("fund-monitor", "GET", "/dashboard/overview", roles=("province",), region=PROVINCE).json()
        return {
            r["region"]: (float(r["balance"]), float(r["average_expenditure"]))
            for r in o["regions"]
            if r["balance"] is not None and r["average_expenditure"] is not None
        }

    # the payment runs reach fund-monitor as events: wait until its figures stop moving
    with Progress("waiting for fund-monitor's books to settle", "check") as bar:
        now = figures()
        for _ in range(120):
            time.sleep(0.5)
            again = figures()
            bar.update(1)
            if again == now:
                break
            now = again
    for region, plan in REGIONS.items():
        balance, average = now.get(region, (0.0, 0.0))
        opening = max(plan.capacity * average - balance, 1.0)
        api.call(
            "fund-monitor",
            "POST",
            f"/regions/{region}/opening-balance",
            roles=("province",),
            region=PROVINCE,
            json={"as_of": str(first - dt.timedelta(days=1)), "amount": f"{opening:.2f}"},
            ok=(201, 409),
        )
        if not average or balance + opening > 1.05 * plan.capacity * average:
            print(f"note: {region}'s own flows leave its fund above the planned {plan.capacity} months", flush=True)
    for _ in range(60):  # until fund-monitor has booked 白城市's and raised its alert
        if api.call(
            "fund-monitor", "GET", f"/alerts?region={DRIFTING}&state=open", roles=("province",), region=PROVINCE
        ).json()["items"]:
            return
        time.sleep(0.5)


def layoffs_stage(api: Api, rng: random.Random, units: list[Unit], people: list[Person]) -> None:
    """Three mass layoffs: one on time and consulted, one late, one executed."""

    def staying(unit: Unit) -> list[Person]:  # those who lost their job earlier are not the unit's to lay off
        return [people[s] for s in unit.staff if people[s].employment_id and people[s].leaves is None]

    big = sorted((u for u in units if u.region != PROVINCE and staying(u)), key=lambda u: -len(staying(u)))[:3]
    for n, unit in enumerate(big):
        staff = staying(unit)
        cut = staff[: max(len(staff) // 3, 1)]
        days = 45 if n != 1 else 15
        body = {
            "unit_credit_code": unit.code,
            "planned_date": str(TODAY + dt.timedelta(days=days)),
            "persons": [{"id_number": p.id_number, "name": p.name} for p in cut],
            "reasons": "生产经营发生严重困难",
            "measures_tried": ["shorter_hours"],
        }
        if n != 1:
            body["consultation"] = {
                "by": "union",
                "on": str(TODAY),
                "opinion_summary": "同意",
                "document_ref": f"工会〔{TODAY.year}〕{n + 1}号",
            }
        fid = api.call("layoff-reporting", "POST", "/filings", json=body, region=unit.region).json()["id"]
        api.call(
            "layoff-reporting", "POST", f"/filings/{fid}/acknowledge", roles=("labor_department",), region=unit.region
        )
        if n == 2:
            api.call(
                "layoff-reporting",
                "POST",
                f"/filings/{fid}/execute",
                region=unit.region,
                json={"executed_on": str(TODAY), "separated": [p.id_number for p in cut]},
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=8001)
    # small enough for make run to be ready in about a minute; the issue's full size is --units 2000 --people 50000
    # (make demo-full); README, Demo data, has how long each takes
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--people", type=int, default=2500)
    parser.add_argument("--workers", type=int, default=4, help="requests in flight at once")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2005)
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    if load(Api(args.host, args.base_port, args.workers), args):
        print(f"demo data loaded in {time.monotonic() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
