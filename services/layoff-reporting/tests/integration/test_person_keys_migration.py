"""#25: the migration turns the stored identity numbers into keyed hashes for matching and seals the numbers and
names it keeps (on the SQLite default): no number or name is left in clear in the file."""

import sqlite3

from insurance_shared.migrations import upgrade
from insurance_shared.pii import installed

A, B = "220102199001011234", "22010219900202123X"
UNIT = "91220101MA0Y3XXK87"


def test_numbers_become_keys_and_what_is_shown_is_sealed(tmp_path) -> None:
    db = tmp_path / "layoff.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("layoff_reporting", url, "0010")
    with sqlite3.connect(db) as conn:  # SQLite leaves foreign keys unchecked here: no filing row is needed
        conn.executemany(
            "INSERT INTO filing_persons (filing_id, id_number, name, planned, separated) VALUES (1, ?, ?, 1, 1)",
            [(A, "张三"), (B, "李四")],
        )
        conn.execute(
            "INSERT INTO workforce_employments (employment_id, id_number, name, unit_credit_code, region, start_date)"
            " VALUES (9, ?, '张三', ?, '220100', '2020-01-01')",
            (A, UNIT),
        )
        conn.execute(
            "INSERT INTO claims_seen (claim_id, id_number, region, registered_on) VALUES (5, ?, '220100', '2026-11-02')",
            (B,),
        )
        conn.execute(
            "INSERT INTO rehire_offers (unit_credit_code, id_number, offered_on, outcome, created_at)"
            " VALUES (?, ?, '2026-11-10', 'declined', '2026-11-10')",
            (UNIT, A),
        )
    upgrade("layoff_reporting", url)
    k = installed()
    with sqlite3.connect(db) as conn:
        people = conn.execute("SELECT person_key, id_number, name FROM filing_persons ORDER BY name").fetchall()
        work = conn.execute("SELECT person_key FROM workforce_employments").fetchall()
        seen = conn.execute("SELECT person_key FROM claims_seen").fetchall()
        offers = conn.execute("SELECT person_key, id_number FROM rehire_offers").fetchall()
        dump = "\n".join(conn.iterdump())
    assert sorted((key, k.decrypt(n).decode(), k.decrypt(m).decode()) for key, n, m in people) == sorted(
        [(k.lookup(A), A, "张三"), (k.lookup(B), B, "李四")]
    )
    assert work == [(k.lookup(A),)]  # the workforce keeps no number at all (0012: events carry none)
    assert seen == [(k.lookup(B),)] and [(key, k.decrypt(n).decode()) for key, n in offers] == [(k.lookup(A), A)]
    assert not any(clear in dump for clear in (A, B, "张三", "李四"))
