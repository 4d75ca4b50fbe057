"""#23: every kind of decision claims makes has its record (criteria, clause, facts, decider), the claim links its
newest, and appeals are lodged, reviewed by another officer within the dated deadline and, when overturned, put
the claim back where the decision found it."""

import datetime as dt

from sqlalchemy import text

from insurance_shared import person_key
from insurance_shared.contracts import ContributionPeriodPaid, PaidPerson

from .test_claims import EMP, INS, TODAY, UNIT, active_claim, deliver, history, month, pid, registration

PDF = b"%PDF-1.4\n% grounds\n%%EOF\n"


async def _decision(client, auth_headers, decision_id: int) -> dict:
    r = await client.get(f"/decisions/{decision_id}", headers=auth_headers(*INS))
    assert r.status_code == 200, r.text
    d = r.json()
    # every record explains itself: a clause, at least one criterion with its own clause, who or what decided
    assert d["clause"] and d["explanation"] and d["decided_by"]
    assert d["decided_by"] != "system" or d["rule"], d
    return d


async def _claim(client, auth_headers, claim_id: int) -> dict:
    return (await client.get(f"/claims/{claim_id}", headers=auth_headers(*EMP))).json()


async def test_every_kind_of_claims_decision_is_recorded_with_its_clause_and_facts(client, auth_headers, db) -> None:
    kinds: dict[str, dict] = {}

    async def newest(claim_id: int) -> dict:
        d = await _decision(client, auth_headers, (await _claim(client, auth_headers, claim_id))["decision_id"])
        kinds[d["kind"] + ":" + d["outcome"]] = d
        return d

    # registration, eligible and not
    await history(db, 30, 14)
    eligible = await active_claim(client, auth_headers, 30)
    assert (await _decision(client, auth_headers, eligible["decision_id"]))["kind"] == "claim.registration"
    listed = (await client.get(f"/decisions?person={pid(30)}", headers=auth_headers(*INS))).json()["items"]
    registered = listed[0]
    assert (registered["kind"], registered["outcome"], registered["rule"]) == (
        "claim.registration",
        "eligible",
        "claims.rules.eligibility.decide",
    )
    assert {c["name"] for c in registered["criteria"]} >= {"contribution_months", "involuntary_separation"}
    kinds["claim.registration:eligible"] = registered
    await history(db, 31, 14, reason="voluntary_resignation")
    refused = (await client.post("/claims", json=registration(31), headers=auth_headers(*EMP))).json()
    d = await newest(refused["id"])
    assert d["outcome"] == "ineligible" and "involuntary_separation" in d["explanation"]

    # a stop by an officer, citing the document it rests on
    doc = await client.post(
        "/documents?kind=business_licence",
        content=PDF,
        headers={**auth_headers(*INS), "Content-Type": "application/pdf"},
    )
    assert doc.status_code == 201, doc.text
    body = {"reason": "reemployed_business_licence", "effective_date": str(TODAY), "document_id": doc.json()["id"]}
    r = await client.post(f"/claims/{eligible['id']}/stops", json=body, headers=auth_headers(*INS, sub="officer-9"))
    assert r.status_code == 200, r.text
    d = await newest(eligible["id"])
    assert (d["kind"], d["decided_by"], d["facts"]["documents"], d["effective_date"]) == (
        "claim.stop",
        "officer-9",
        [doc.json()["id"]],
        str(TODAY),
    )
    assert d["clause"] == "SIL51(1); R15(1); N§5"  # the Social Insurance Law beside the Regulation, on this date
    unknown = await client.post(
        f"/claims/{refused['id']}/stops", json={**body, "document_id": "0" * 64}, headers=auth_headers(*INS)
    )
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "body.document_id", unknown.text

    # a stop by rule: a month paid after the registration
    await history(db, 32, 14, ended_k=3)
    auto = await active_claim(client, auth_headers, 32, registered_on=month(2))
    await deliver(
        db,
        ContributionPeriodPaid(
            unit_credit_code=UNIT,
            period=f"{month(0):%Y-%m}",
            region="220100",
            declaration_id=320,
            people=[PaidPerson(person=person_key(pid(32)), unemployment_fen=1)],
        ),
    )
    d = await newest(auto["id"])
    assert (d["kind"], d["decided_by"], d["rule"]) == ("claim.stop", "system", "claims.rules.stops.first_stop")
    assert d["facts"]["references"] == {"evidence": "paid_month", "evidence_date": str(month(0))}

    # a suspension and its lifting, which replaces it
    await history(db, 33, 14)
    c = await active_claim(client, auth_headers, 33)
    await client.post(f"/claims/{c['id']}/suspend", json={"reason": "未按时报到"}, headers=auth_headers(*EMP))
    suspension = await newest(c["id"])
    assert suspension["kind"] == "claim.suspension" and "未按时报到" in suspension["explanation"]
    await client.post(f"/claims/{c['id']}/resume", headers=auth_headers(*EMP))
    lifted = await newest(c["id"])
    assert (lifted["kind"], lifted["replaces"]) == ("claim.resumption", suspension["id"])
    assert (await _decision(client, auth_headers, suspension["id"]))["replaced_by"] == lifted["id"]

    # the community's rejection
    await history(db, 34, 14)
    pending = (await client.post("/claims", json=registration(34), headers=auth_headers(*EMP))).json()
    await client.post(
        f"/claims/{pending['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    await client.post(
        f"/claims/{pending['id']}/reject",
        json={"reason": "核实发现已在个体经营"},
        headers=auth_headers("community", sub="community-1"),
    )
    d = await newest(pending["id"])
    assert (d["kind"], d["decided_by"]) == ("claim.verification_rejection", "community-1")

    # a death's one-off payments (R19; SIL49), each a record citing its standard, and the survivors' choice
    await history(db, 35, 14)
    dead = await active_claim(client, auth_headers, 35)
    await client.post(
        f"/claims/{dead['id']}/stops",
        json={"reason": "death", "effective_date": str(TODAY)},
        headers=auth_headers(*INS),
    )
    chosen = await client.post(
        f"/claims/{dead['id']}/funeral-subsidy", json={"chosen": "unemployment_insurance"}, headers=auth_headers(*INS)
    )
    choice = (await client.get(f"/decisions/{chosen.json()['decision_id']}", headers=auth_headers(*INS))).json()
    assert (choice["kind"], choice["clause"], choice["criteria"][0]["values"]["chosen"]) == (
        "claim.funeral_subsidy_choice",
        "SIL49",
        "unemployment_insurance",
    )
    kinds[f"{choice['kind']}:{choice['outcome']}"] = choice
    one_offs = (await client.get("/decisions?kind=claim.one_off_payment", headers=auth_headers(*INS))).json()["items"]
    assert sorted(d["outcome"] for d in one_offs) == ["funeral", "survivors"]
    assert {d["criteria"][0]["parameters"][0]["name"] for d in one_offs} == {
        "funeral_subsidy",
        "survivors_pension_months",
    }
    kinds.update({f"claim.one_off_payment:{d['outcome']}": d for d in one_offs})

    # a separation list filed late (R16; SIL50): a record about the unit; one in time has none
    late = await client.post(
        "/separations",
        json={
            "unit_credit_code": UNIT,
            "region": "220100",
            "persons": [
                {
                    "id_number": pid(36),
                    "name": "甲",
                    "separation_date": str(TODAY - dt.timedelta(days=20)),
                    "reason": "dismissed",
                },
                {"id_number": pid(37), "name": "乙", "separation_date": str(TODAY), "reason": "dismissed"},
            ],
        },
        headers=auth_headers(*INS),
    )
    assert [x["decision_id"] is not None for x in late.json()] == [True, False]
    d = await _decision(client, auth_headers, late.json()[0]["decision_id"])
    assert (d["kind"], d["unit"], d["clause"], d["criteria"][0]["values"]["days_late"]) == (
        "separation.late_filing",
        UNIT,
        "SIL50",
        5,
    )
    kinds["separation.late_filing:late"] = d
    # the unit shows it filed in time: overturned on appeal, the separation is no longer marked late
    appeal = await _appeal(client, auth_headers, d["id"])
    overturned = await _review(client, auth_headers, appeal["id"], "overturned")
    assert "no longer marked" in overturned.json()["consequence"], overturned.text
    async with db.sessionmaker() as s:
        late_now = (
            await s.execute(text("SELECT late FROM separations WHERE person_key = :p"), {"p": person_key(pid(36))})
        ).scalar_one()
    assert late_now is False

    assert set(kinds) >= {
        "claim.registration:eligible",
        "claim.registration:ineligible",
        "claim.stop:stopped",
        "claim.suspension:suspended",
        "claim.resumption:active",
        "claim.verification_rejection:rejected",
        "claim.one_off_payment:funeral",
        "claim.one_off_payment:survivors",
        "claim.funeral_subsidy_choice:unemployment_insurance",
        "separation.late_filing:late",
    }
    # another region's officer learns nothing of them
    other = auth_headers(*INS, region="220200")
    assert (await client.get(f"/decisions/{registered['id']}", headers=other)).status_code == 404
    assert (await client.get(f"/decisions?person={pid(30)}", headers=other)).json()["items"] == []


async def _appeal(client, auth_headers, decision_id: int, sub: str = "officer-a", **extra) -> dict:
    r = await client.post(
        f"/decisions/{decision_id}/appeals",
        json={"grounds": "理由", **extra},
        headers=auth_headers(*EMP, sub=sub),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _review(client, auth_headers, appeal_id: int, outcome: str, sub: str = "officer-b"):
    return await client.post(
        f"/appeals/{appeal_id}/review",
        json={"outcome": outcome, "reasons": "复议理由", "clause": "N§5 ¶2"},
        headers=auth_headers(*INS, sub=sub),
    )


async def test_appeals_are_reviewed_by_another_officer_in_time_and_an_overturn_puts_the_claim_back(
    client, auth_headers, db
) -> None:
    # a suspension overturned: the claim runs again
    await history(db, 40, 14)
    c = await active_claim(client, auth_headers, 40)
    await client.post(
        f"/claims/{c['id']}/suspend", json={"reason": "未按时报到"}, headers=auth_headers(*EMP, sub="officer-s")
    )
    suspension = (await _claim(client, auth_headers, c["id"]))["decision_id"]
    appeal = await _appeal(client, auth_headers, suspension)
    assert (appeal["state"], appeal["deadline_rule"]["name"], appeal["deadline_rule"]["value"]) == (
        "open",
        "appeal_review_days",
        "60",
    )
    # neither the officer who lodged it nor the one who decided may review it
    for sub in ("officer-a", "officer-s"):
        own = await _review(client, auth_headers, appeal["id"], "overturned", sub=sub)
        assert own.status_code == 403 and own.json()["code"] == "same_officer"
    # another region's officer does not see it
    far = await client.post(
        f"/appeals/{appeal['id']}/review",
        json={"outcome": "upheld", "reasons": "x", "clause": "x"},
        headers=auth_headers(*INS, region="220200", sub="officer-x"),
    )
    assert far.status_code == 404
    done = await _review(client, auth_headers, appeal["id"], "overturned")
    assert done.status_code == 200, done.text
    assert (await _claim(client, auth_headers, c["id"]))["state"] == "active"
    again = await _review(client, auth_headers, appeal["id"], "upheld", sub="officer-c")
    assert again.status_code == 409 and again.json()["code"] == "appeal_decided"
    # the overturned decision is replaced: it is not appealed again; the review's own decision is not appealable
    replaced = await client.post(
        f"/decisions/{suspension}/appeals", json={"grounds": "x"}, headers=auth_headers(*EMP, sub="officer-a")
    )
    assert replaced.status_code == 409 and replaced.json()["code"] == "decision_replaced"
    review = done.json()["review_decision_id"]
    final = await client.post(f"/decisions/{review}/appeals", json={"grounds": "x"}, headers=auth_headers(*EMP))
    assert final.status_code == 422 and final.json()["code"] == "not_appealable"

    # a rejection overturned: the community is asked again
    await history(db, 41, 14)
    pending = (await client.post("/claims", json=registration(41), headers=auth_headers(*EMP))).json()
    await client.post(
        f"/claims/{pending['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    await client.post(
        f"/claims/{pending['id']}/reject", json={"reason": "x"}, headers=auth_headers("community", sub="community-1")
    )
    rejection = (await _claim(client, auth_headers, pending["id"]))["decision_id"]
    appeal = await _appeal(client, auth_headers, rejection)
    assert (await _review(client, auth_headers, appeal["id"], "overturned")).status_code == 200
    reopened = await _claim(client, auth_headers, pending["id"])
    assert reopened["state"] == "verification_requested"
    assert (await _decision(client, auth_headers, reopened["decision_id"]))["kind"] == "claim.verification_reopened"

    # a refusal upheld changes nothing; an appeal lodged 61 days ago and still open is overdue
    await history(db, 42, 14, reason="voluntary_resignation")
    refused = (await client.post("/claims", json=registration(42), headers=auth_headers(*EMP))).json()
    old = await _appeal(client, auth_headers, refused["decision_id"])
    assert old["deadline"] == str(TODAY + dt.timedelta(days=60)) and old["overdue"] is False
    async with db.sessionmaker() as s:  # as if it had been lodged 61 days ago (the dates the review reads)
        await s.execute(
            text("UPDATE appeals SET received_on = :r, deadline = :d WHERE id = :id"),
            {"r": TODAY - dt.timedelta(days=61), "d": TODAY - dt.timedelta(days=1), "id": old["id"]},
        )
        await s.commit()
    old = (await client.get(f"/appeals/{old['id']}", headers=auth_headers(*INS))).json()
    assert old["overdue"] is True
    overdue = (await client.get("/appeals?overdue=true", headers=auth_headers(*INS))).json()["items"]
    assert [a["id"] for a in overdue] == [old["id"]]
    upheld = await _review(client, auth_headers, old["id"], "upheld")
    assert (upheld.json()["state"], upheld.json()["lateness_days"]) == ("upheld", 1)
    assert (await _claim(client, auth_headers, refused["id"]))["state"] == "ineligible"
    late = await _decision(client, auth_headers, upheld.json()["review_decision_id"])
    assert next(c for c in late["criteria"] if c["name"] == "within_deadline")["met"] is False
    assert (await client.get("/appeals?overdue=true", headers=auth_headers(*INS))).json()["items"] == []

    # a refusal overturned is decided again; on the facts held it is still refused, and the answer says so
    await history(db, 44, 14, reason="voluntary_resignation")
    refused = (await client.post("/claims", json=registration(44), headers=auth_headers(*EMP))).json()
    appeal = await _appeal(client, auth_headers, refused["decision_id"])
    overturned = (await _review(client, auth_headers, appeal["id"], "overturned")).json()
    assert "still not eligible" in overturned["consequence"]
    kinds = [
        d["kind"]
        for d in (await client.get(f"/decisions?subject=claim:{refused['id']}", headers=auth_headers(*INS))).json()[
            "items"
        ]
    ]
    assert kinds == ["claim.registration", "claim.redecision"]

    # bad appeals write nothing: an unknown document, another region's decision, a date after today
    await history(db, 43, 14)
    fresh = await active_claim(client, auth_headers, 43)
    unknown_doc = await client.post(
        f"/decisions/{fresh['decision_id']}/appeals",
        json={"grounds": "x", "documents": ["0" * 64]},
        headers=auth_headers(*EMP),
    )
    assert unknown_doc.status_code == 422 and unknown_doc.json()["errors"][0]["field"] == "body.documents[0]"
    elsewhere = await client.post(
        f"/decisions/{fresh['decision_id']}/appeals", json={"grounds": "x"}, headers=auth_headers(*EMP, region="220200")
    )
    assert elsewhere.status_code == 404
    future = await client.post(
        f"/decisions/{fresh['decision_id']}/appeals",
        json={"grounds": "x", "received_on": str(TODAY + dt.timedelta(days=1))},
        headers=auth_headers(*EMP),
    )
    assert future.status_code == 422
    assert (await client.get(f"/appeals?decision_id={fresh['decision_id']}", headers=auth_headers(*INS))).json()[
        "items"
    ] == []


async def test_an_overturned_stop_pays_each_month_once_whether_its_run_finished_or_still_runs(
    client, auth_headers, db
) -> None:
    """Month 2 paid in full before the stop; month 1 paid up to the stop (the 11th); month 0's run was cut off and
    is still "running". Overturned: month 1's rest is made up as a second part and month 0 as its first, and month
    0's run, resumed, adds nothing to it: each month comes to exactly the monthly amount, never twice."""
    await history(db, 50, 14, ended_k=3)
    c = await active_claim(client, auth_headers, 50, registered_on=month(2))

    async def run(k: int) -> None:
        r = await client.post(
            "/payment-runs", json={"region": "220100", "month": f"{month(k):%Y-%m}"}, headers=auth_headers(*INS)
        )
        assert r.status_code == 200, r.text

    await run(2)
    stop = await client.post(
        f"/claims/{c['id']}/stops",
        json={"reason": "emigration", "effective_date": str(month(1) + dt.timedelta(days=10))},
        headers=auth_headers(*INS, sub="officer-s"),
    )
    await run(1)
    async with db.sessionmaker() as s:  # month 0's run, cut off before it reached this claim
        await s.execute(
            text(
                "INSERT INTO payment_runs (region, month, status, claims_paid, amount, started_at) "
                "VALUES ('220100', :m, 'running', 0, 0, now())"
            ),
            {"m": month(0)},
        )
        await s.commit()
    appeal = await _appeal(client, auth_headers, stop.json()["decision_id"])
    overturned = await _review(client, auth_headers, appeal["id"], "overturned")
    assert overturned.status_code == 200, overturned.text
    await run(0)
    async with db.sessionmaker() as s:
        paid = dict(
            (
                await s.execute(
                    text(
                        "SELECT month, sum(amount) FROM benefit_payments WHERE claim_id = :c AND kind = 'benefit' "
                        "GROUP BY month"
                    ),
                    {"c": c["id"]},
                )
            ).all()
        )
        parts = (
            await s.execute(
                text("SELECT count(*) FROM benefit_payments WHERE claim_id = :c AND month = :m"),
                {"c": c["id"], "m": month(1)},
            )
        ).scalar_one()
    assert paid == {month(k): 135000 for k in (2, 1, 0)}
    assert parts == 2  # month 1: the ten days paid, and the rest made up


async def test_an_overturn_does_not_reopen_a_claim_beside_the_persons_newer_open_claim(
    client, auth_headers, db
) -> None:
    """One open claim per person: a rejected claim whose person registered again meanwhile is not put back by an
    overturned rejection; the review is refused (409 claim_active, naming the open claim) and changes nothing."""
    await history(db, 46, 14)
    first = (await client.post("/claims", json=registration(46), headers=auth_headers(*EMP))).json()
    await client.post(
        f"/claims/{first['id']}/verification-request", json={"community": "community-1"}, headers=auth_headers(*EMP)
    )
    await client.post(
        f"/claims/{first['id']}/reject", json={"reason": "x"}, headers=auth_headers("community", sub="community-1")
    )
    rejection = (await _claim(client, auth_headers, first["id"]))["decision_id"]
    second = await client.post("/claims", json=registration(46), headers=auth_headers(*EMP))
    assert second.status_code == 201, second.text
    appeal = await _appeal(client, auth_headers, rejection)
    refused = await _review(client, auth_headers, appeal["id"], "overturned")
    assert refused.status_code == 409 and refused.json()["code"] == "claim_active", refused.text
    assert refused.json()["claim_id"] == second.json()["id"]
    assert (await _claim(client, auth_headers, first["id"]))["state"] == "verification_rejected"
    assert (await client.get(f"/appeals/{appeal['id']}", headers=auth_headers(*INS))).json()["state"] == "open"
