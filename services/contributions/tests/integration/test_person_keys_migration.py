"""#25 item 5 on the SQLite default: the migrations turn the identity numbers contributions stored in clear into
keyed hashes wherever people are matched (persons, employments, flexible employments, declaration lines, a flexible
worker's declarations, payments and refunds), seal the number and name kept with the person, name people by hash in
the decision records (append-only, guard restored) and seal stored answers of idempotency keys. Afterwards no
number or name is left in the file, and the service reads the person back."""

import json
import sqlite3

import pytest

from insurance_shared.migrations import upgrade
from insurance_shared.pii import installed

A, B = "220102199001011234", "22010219900202123X"
UNIT = "91220101MA0Y3XXK87"
NOW = "2026-11-01 00:00:00"


ENROLLED_V1 = {
    "id": "00000000-0000-4000-8000-000000000001",
    "type": "contributions.person_enrolled.v1",
    "source": "contributions",
    "subject": A,
    "time": "2026-11-01T00:00:00Z",
    "region": "220100",
    "data": {
        "id_number": A,
        "name": "张三",
        "unit_credit_code": UNIT,
        "region": "220100",
        "track": "unit",
        "start_date": "2020-01-01",
        "employment_id": 1,
    },
}


def _seed(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT INTO persons (id_number, name, created_at) VALUES (?, ?, ?)", [(A, "张三", NOW), (B, "李四", NOW)]
    )
    conn.executemany(
        "INSERT INTO employments (id_number, unit_credit_code, region, track, start_date, wage, created_at)"
        " VALUES (?, ?, '220100', ?, '2020-01-01', 500000, ?)",
        [(A, UNIT, "unit", NOW), (B, None, "flexible", NOW)],
    )
    conn.execute(
        "INSERT INTO flexible_employments (id_number, region, kind, start_date, status, status_on, created_at)"
        " VALUES (?, '220100', 'licence', '2026-01-01', 'working_flexibly', '2026-01-01', ?)",
        (B, NOW),
    )
    for declaration_id, unit, payer in ((1, UNIT, None), (2, None, B)):
        conn.execute(
            "INSERT INTO declarations (id, unit_credit_code, payer_id_number, region, home_region, period, kind,"
            " due_date, lines, unit_share_payer, pension_unit, pension_person, unemployment_unit,"
            " unemployment_person, owed_pension, owed_unemployment, fee_pension, fee_unemployment,"
            " fee_accrued_until, paid, created_at, updated_at) VALUES (?, ?, ?, '220100', '220100', '2026-10-01',"
            " 'regular', '2026-11-15', 1, 'unit', 0, 0, 0, 0, 0, 0, 0, 0, '2026-11-15', 0, ?, ?)",
            (declaration_id, unit, payer, NOW, NOW),
        )
        conn.execute(
            "INSERT INTO declaration_lines (declaration_id, line_no, id_number, declared_base, base, pension_unit,"
            " pension_person, unemployment_unit, unemployment_person) VALUES (?, 1, ?, 1, 1, 0, 0, 0, 0)",
            (declaration_id, A if unit else B),
        )
    conn.execute(
        "INSERT INTO payments (id, payer_id_number, region, amount, credit_used, credit_created, payer, paid_on,"
        " created_at) VALUES (1, ?, '220100', 100, 0, 0, 'person', '2026-11-20', ?)",
        (B, NOW),
    )
    conn.execute(
        "INSERT INTO decision_records (kind, subject_type, subject_id, person, region, outcome, clause, explanation,"
        " criteria, facts, decided_by, decided_at) VALUES ('contributions.late_fee', 'payment', '1', ?, '220100',"
        " 'late_fee_charged', 'C13', 'fee', '[]', '{}', 'system', ?)",
        (B, NOW),
    )
    conn.execute(  # an event stored before v2, still in the outbox
        "INSERT INTO outbox (event_id, type, subject, time, envelope) VALUES (?, ?, ?, ?, ?)",
        (ENROLLED_V1["id"], ENROLLED_V1["type"], A, NOW, json.dumps(ENROLLED_V1, ensure_ascii=False)),
    )
    conn.execute(
        "INSERT INTO idempotency_keys (actor, key, fingerprint, method, path, status_code, content_type, location,"
        " response_body, created_at) VALUES ('officer', 'k1', 'f', 'POST', ?, 201, 'application/json', ?, ?, ?)",
        (f"/persons/{A}/employments/1/end", f"/persons/{A}", f'{{"id_number": "{A}", "name": "张三"}}'.encode(), NOW),
    )


@pytest.mark.slow
def test_numbers_become_keys_names_are_sealed_and_nothing_is_left_in_clear(tmp_path) -> None:
    db = tmp_path / "contributions.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("contributions", url, "0011")  # the schema before #25 reached contributions, numbers in clear
    with sqlite3.connect(db) as conn:
        _seed(conn)
    upgrade("contributions", url)
    k = installed()
    with sqlite3.connect(db) as conn:
        people = conn.execute("SELECT person_key, id_number, name FROM persons").fetchall()
        jobs = conn.execute("SELECT person_key, track FROM employments ORDER BY track").fetchall()
        flexible = conn.execute("SELECT person_key FROM flexible_employments").fetchall()
        lines = conn.execute("SELECT declaration_id, person_key FROM declaration_lines ORDER BY 1").fetchall()
        payers = conn.execute("SELECT id, payer_key FROM declarations ORDER BY id").fetchall()
        payment = conn.execute("SELECT payer_key FROM payments").fetchall()
        decision = conn.execute("SELECT person FROM decision_records").fetchall()
        stored = conn.execute("SELECT path, location, response_body FROM idempotency_keys").fetchone()
        event = conn.execute("SELECT event_id, type, subject, envelope FROM outbox").fetchone()
        dump = "\n".join(conn.iterdump())
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE decision_records SET outcome = 'x'")  # the guard is back
    assert sorted((key, k.decrypt(n).decode(), k.decrypt(m).decode()) for key, n, m in people) == sorted(
        [(k.lookup(A), A, "张三"), (k.lookup(B), B, "李四")]
    )
    assert jobs == [(k.lookup(B), "flexible"), (k.lookup(A), "unit")] and flexible == [(k.lookup(B),)]
    assert lines == [(1, k.lookup(A)), (2, k.lookup(B))]
    assert payers == [(1, None), (2, k.lookup(B))] and payment == [(k.lookup(B),)] and decision == [(k.lookup(B),)]
    assert k.decrypt(stored[1]).decode() == f"/persons/{A}" and A.encode() in k.decrypt_bytes(bytes(stored[2]))
    envelope = json.loads(event[3])
    assert event[:3] == (ENROLLED_V1["id"], "contributions.person_enrolled.v2", k.lookup(A))  # the same event
    assert envelope["subject"] == k.lookup(A) and envelope["data"] == {
        **{x: ENROLLED_V1["data"][x] for x in ("unit_credit_code", "region", "track", "start_date", "employment_id")},
        "person": k.lookup(A),
    }
    assert not any(clear in dump for clear in (A, B, "张三", "李四"))
