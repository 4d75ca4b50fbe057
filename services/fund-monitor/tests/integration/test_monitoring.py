"""Unemployment monitoring (N§2, N§8) and the projection with filed layoffs not yet claimed (N§8)."""

import datetime as dt

from sqlalchemy import text
from stdnum.cn import ric, uscc

from insurance_shared import person_key
from insurance_shared.contracts import (
    ClaimClosed,
    ClaimRedecided,
    ClaimRegistered,
    EmploymentEnded,
    LayoffExecuted,
    LayoffFiled,
    LayoffWithdrawn,
    PersonEnrolled,
)

UNIT = "91220101MA0Y3XXK87"


def pid(n: int) -> str:
    base = f"22010219900101{n:03d}"
    return base + ric.calc_check_digit(base + "0")


def enrolled(n: int, start: dt.date, region: str = "220100") -> PersonEnrolled:
    return PersonEnrolled(
        person=person_key(pid(n)),
        unit_credit_code=UNIT,
        region=region,
        track="unit",
        start_date=start,
        employment_id=n,
    )


def ended(n: int, end: dt.date, reason: str = "mass_layoff") -> EmploymentEnded:
    return EmploymentEnded(
        person=person_key(pid(n)),
        unit_credit_code=UNIT,
        region="220100",
        track="unit",
        start_date=dt.date(2020, 1, 1),
        end_date=end,
        separation_reason=reason,
        involuntary=reason == "mass_layoff",
        employment_id=n,
    )


async def test_monitoring_counts_and_insured_year_on_year(client, auth_headers, fm) -> None:
    await fm.feed(
        *(enrolled(n, dt.date(2020, 1, 1)) for n in range(1, 11)),  # 10 insured for years
        *(enrolled(n, fm.month(-1)) for n in range(11, 14)),  # 3 joined last month
        ended(1, fm.month(-2), reason="voluntary_resignation"),
        *(enrolled(100 + n, dt.date(2020, 1, 1), region="220200") for n in range(5)),  # 220200 flat
        ClaimRegistered(
            claim_id=1, person=person_key(pid(1)), region="220100", registered_on=fm.month(-2) + dt.timedelta(days=3)
        ),
        ClaimRegistered(claim_id=2, person=person_key(pid(2)), region="220100", registered_on=fm.TODAY),
        ClaimRegistered(claim_id=3, person=person_key(pid(3)), region="220100", registered_on=fm.TODAY, eligible=False),
        fm.benefits("220100", fm.THIS_MONTH, 800, claims=2),
        LayoffFiled(
            filing_id=7,
            unit_credit_code=UNIT,
            region="220100",
            expected_count=60,
            planned_date=fm.TODAY + dt.timedelta(days=20),
            reportable=True,
            compliant=False,
        ),
    )
    province = auth_headers("province", region="220000")
    r = await client.get("/monitoring", headers=province)
    assert r.status_code == 200, r.text
    by = {x["region"]: x for x in r.json()["regions"]}
    cc = by["220100"]
    assert (cc["registered_unemployed"], cc["new_claims"], cc["drawing_benefits"]) == (2, 2, 2)
    assert (cc["filed_layoffs"], cc["layoff_people"]) == (1, 60)
    assert (cc["insured"], cc["insured_year_ago"], cc["insured_change"]) == (12, 10, 2)
    assert cc["insured_not_rising"] is False
    assert by["220200"]["insured_not_rising"] is True and by["220200"]["coverage"]["clause"] == "N§2; N§8"
    assert r.json()["province"]["insured"] == 17

    city = (await client.get("/monitoring", headers=auth_headers("labor_department", region="220100"))).json()
    assert [x["region"] for x in city["regions"]] == ["220100"] and city["province"] is None
    r = await client.get(f"/monitoring?month={fm.month(1):%Y-%m}", headers=province)
    assert r.status_code == 422 and r.json()["code"] == "future_month"
    csv = await client.get("/monitoring.csv", headers=province)
    assert (
        csv.status_code == 200 and "220200" in csv.text and csv.text.count("\r\n") == 11
    )  # header, 9 regions, province


async def test_projection_adds_filed_layoffs_not_yet_claimed(client, auth_headers, fm) -> None:
    province = auth_headers("province", region="220000")
    r = await client.post(
        "/regions/220100/opening-balance",
        json={"as_of": str(fm.month(-3)), "amount": "1000000.00"},
        headers=province,
    )
    assert r.status_code == 201
    await fm.feed(*(fm.benefits("220100", fm.month(-i), 40_000, claims=100) for i in range(3)))
    before = (await client.get("/regions/220100/projection", headers=province)).json()
    assert before["layoffs"] == [] and before["average_benefit"] == "400.00"
    assert before["average_benefit_source"] == "payments"

    planned = fm.TODAY + dt.timedelta(days=20)
    await fm.feed(
        *(enrolled(n, dt.date(2020, 1, 1)) for n in range(1, 61)),
        LayoffFiled(
            filing_id=7,
            unit_credit_code=UNIT,
            region="220100",
            expected_count=60,
            planned_date=planned,
            reportable=True,
            compliant=False,
        ),
        LayoffFiled(
            filing_id=8,
            unit_credit_code="91220101MA0Y3XXK87",
            region="220100",
            expected_count=10,
            planned_date=planned,
            reportable=False,
            compliant=True,
        ),
        LayoffWithdrawn(filing_id=8, unit_credit_code=UNIT, region="220100"),
    )
    after = (await client.get("/regions/220100/projection", headers=province)).json()
    (term,) = after["layoffs"]
    assert (term["filing_id"], term["people"], term["expected_claimants"], term["remaining_claimants"]) == (
        7,
        60,
        42,
        42,
    )
    assert term["average_benefit"] == "400.00" and term["expected_months"] == 12
    assert sum(float(m["layoff_cost"]) for m in after["months"]) == float(term["cost_in_horizon"]) > 0
    drop = float(before["months"][-1]["closing_balance"]) - float(after["months"][-1]["closing_balance"])
    assert drop == float(term["cost_in_horizon"])

    # ten of them are laid off and register: ten fewer expected
    await fm.feed(
        *(ended(n, planned) for n in range(1, 11)),
        LayoffExecuted(filing_id=7, unit_credit_code=UNIT, region="220100", executed_on=planned, separated_count=60),
    )
    await fm.feed(
        *(
            ClaimRegistered(claim_id=n, person=person_key(pid(n)), region="220100", registered_on=planned)
            for n in range(1, 11)
        )
    )
    later = (await client.get("/regions/220100/projection", headers=province)).json()
    (term,) = later["layoffs"]
    assert (term["claimed"], term["remaining_claimants"], term["executed"]) == (10, 32, True)


async def test_a_run_of_job_ends_counts_each_against_the_layoff_filed_by_its_end(fm, db) -> None:
    """A separation file's ends arrive as one run and are stored together, with the result of applying them one
    by one: the latest layoff filed by each end date (withdrawn ones aside) counts an involuntary end once."""
    base = "91220101MA0Y3XXK9"
    other = base[:-1] + "A" + uscc.calc_check_digit(base[:-1] + "A")
    days = lambda n: fm.TODAY - dt.timedelta(days=n)  # noqa: E731
    at = lambda n: dt.datetime.combine(days(n), dt.time(9), tzinfo=dt.UTC)  # noqa: E731
    planned = fm.TODAY + dt.timedelta(days=30)

    def filed(filing_id: int, unit: str, n: int):
        data = LayoffFiled(
            filing_id=filing_id,
            unit_credit_code=unit,
            region="220100",
            expected_count=40,
            planned_date=planned,
            reportable=True,
            compliant=True,
        )
        return fm.envelope(data, unit, time=at(n))

    await fm.feed(*(enrolled(n, dt.date(2020, 1, 1)) for n in range(1, 5)))
    await fm.feed(
        filed(1, UNIT, 60),
        filed(2, UNIT, 10),
        filed(3, other, 30),
        LayoffWithdrawn(filing_id=3, unit_credit_code=other, region="220100"),
    )
    elsewhere = ended(6, days(5)).model_copy(update={"unit_credit_code": other, "employment_id": 6})
    await fm.feed(
        ended(1, days(20)),  # filing 2 came later: filing 1
        ended(2, days(5)),  # filing 2
        ended(3, days(5), reason="voluntary_resignation"),  # not a layoff's
        ended(4, days(90)),  # before either filing
        ended(5, days(5)),  # a job fund-monitor never saw begin: added with its end; filing 2
        ended(1, days(3)),  # the same job again, later: its end moves; filing 2 now counts it too
        elsewhere,  # that unit's filing was withdrawn
    )
    async with db.sessionmaker() as s:
        ends = (
            await s.execute(text("SELECT employment_id, end_date FROM mon_insured WHERE end_date IS NOT NULL"))
        ).all()
        counted = (await s.execute(text("SELECT filing_id, person_key, end_date FROM mon_layoff_separations"))).all()
        kept = await s.execute(text("SELECT person_key FROM mon_insured UNION ALL SELECT person_key FROM mon_claims"))
    assert sorted(ends) == [(1, days(3)), (2, days(5)), (3, days(5)), (4, days(90)), (5, days(5)), (6, days(5))]
    # #25: people are named by the keyed hash of their number; fund-monitor keeps no number
    key = person_key
    assert sorted(counted) == sorted(
        [(1, key(pid(1)), days(20)), (2, key(pid(1)), days(3)), (2, key(pid(2)), days(5)), (2, key(pid(5)), days(5))]
    )
    assert all(len(k) == 64 for (k,) in kept)


async def test_registered_unemployed_fall_when_claims_are_exhausted_or_rejected(client, auth_headers, fm) -> None:
    """#19 item 8: claims announces a claim leaving the roll (exhausted, rejected at verification) and the count
    of registered unemployed falls; before, only stops were announced and these stayed counted for ever."""
    await fm.feed(
        *(
            ClaimRegistered(claim_id=n, person=person_key(pid(n)), region="220100", registered_on=fm.month(-3))
            for n in (1, 2, 3)
        )
    )
    province = auth_headers("province", region="220000")

    async def registered() -> int:
        r = await client.get("/monitoring", headers=province)
        return {x["region"]: x for x in r.json()["regions"]}["220100"]["registered_unemployed"]

    assert await registered() == 3
    await fm.feed(
        ClaimClosed(
            claim_id=1, person=person_key(pid(1)), region="220100", state="exhausted", effective_date=fm.month(0)
        ),
        ClaimClosed(
            claim_id=2,
            person=person_key(pid(2)),
            region="220100",
            state="verification_rejected",
            effective_date=fm.TODAY,
        ),
    )
    assert await registered() == 1


async def test_a_refused_claim_redecided_eligible_counts_as_registered(client, auth_headers, fm) -> None:
    await fm.feed(
        ClaimRegistered(
            claim_id=5, person=person_key(pid(5)), region="220100", registered_on=fm.month(-1), eligible=False
        )
    )
    province = auth_headers("province", region="220000")

    async def registered() -> int:
        r = await client.get("/monitoring", headers=province)
        return {x["region"]: x for x in r.json()["regions"]}["220100"]["registered_unemployed"]

    assert await registered() == 0
    await fm.feed(
        ClaimRedecided(
            claim_id=5,
            person=person_key(pid(5)),
            region="220100",
            registered_on=fm.month(-1),
            eligible=True,
            was_eligible=False,
            total_months=12,
            proceeds=True,
        )
    )
    assert await registered() == 1
