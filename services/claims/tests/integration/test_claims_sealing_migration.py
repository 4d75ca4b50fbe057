"""#25 item 5 on the SQLite default: claims' own people (claims, hard-to-employ certifications, subsidies and their
payment lines, the 低保 roster) and the history from events are converted by the migrations: matched by keyed hash,
the numbers and names kept only where shown and then sealed. Afterwards no number or name is left in the file."""

import sqlite3

import pytest

from insurance_shared.migrations import upgrade
from insurance_shared.pii import installed

A, B = "220102199001011234", "22010219900202123X"
T = "2026-11-01 00:00:00"


@pytest.mark.slow
def test_claims_people_become_keys_and_sealed_values(tmp_path) -> None:
    db = tmp_path / "claims.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("claims", url, "0016")  # before claims' history and own people were converted
    with sqlite3.connect(db) as conn:  # foreign keys unchecked here: only the rows that matter
        conn.execute(
            "INSERT INTO claims (id, id_number, name, region, registered_on, job_seeking, state, eligible, decision,"
            " months_counted, total_months, carried_over, monthly_amount, months_left, created_at, updated_at)"
            " VALUES (1, ?, '张三', '220100', '2026-11-01', 1, 'active', 1, '{}', 14, 12, 0, 135000, 0, ?, ?)",
            (A, T, T),
        )
        conn.execute(
            "INSERT INTO contribution_months (id_number, period, unit_credit_code, region, unemployment_fen)"
            " VALUES (?, '2026-10-01', '', '220100', 100)",
            (A,),
        )
        conn.execute(
            "INSERT INTO hard_to_employ (id, id_number, name, region, categories, certified_by, certified_on,"
            " review_on, created_at) VALUES (1, ?, '李四', '220100', 'long_term', 'o', '2026-01-01', '2027-01-01', ?)",
            (B, T),
        )
        conn.execute(
            "INSERT INTO si_subsidies (id, id_number, name, region, applied_on, state, decision, months_left,"
            " first_period, decided_by, created_at) VALUES (1, ?, '李四', '220100', '2026-02-01', 'approved', '{}',"
            " 12, '2026-02-01', 'o', ?)",
            (B, T),
        )
        conn.execute(
            "INSERT INTO si_subsidy_payments (id, subsidy_id, run_id, id_number, region, period, floor_fen, amount,"
            " state, line_no, bank_code, card_number, holder_name, attempts) VALUES (1, 1, 1, ?, '220100',"
            " '2026-02-01', 100, 50, 'paid', 1, 'ICBC', 'v1.x', 'v1.y', 1)",
            (B,),
        )
        conn.execute(
            "INSERT INTO living_roster (region, id_number, import_id) VALUES ('220100', ?, 1)",
            (B,),
        )
    upgrade("claims", url)
    k = installed()
    with sqlite3.connect(db) as conn:
        claim = conn.execute("SELECT person_key, id_number, name FROM claims").fetchone()
        months = conn.execute("SELECT person_key FROM contribution_months").fetchall()
        certified = conn.execute("SELECT person_key, id_number, name FROM hard_to_employ").fetchone()
        subsidy = conn.execute("SELECT person_key, id_number, name FROM si_subsidies").fetchone()
        line = conn.execute("SELECT person_key, id_number FROM si_subsidy_payments").fetchone()
        roster = conn.execute("SELECT person_key FROM living_roster").fetchall()
        dump = "\n".join(conn.iterdump())
    assert (claim[0], k.decrypt(claim[1]).decode(), k.decrypt(claim[2]).decode()) == (k.lookup(A), A, "张三")
    assert months == [(k.lookup(A),)] and roster == [(k.lookup(B),)]
    for row in (certified, subsidy):
        assert (row[0], k.decrypt(row[1]).decode(), k.decrypt(row[2]).decode()) == (k.lookup(B), B, "李四")
    assert (line[0], k.decrypt(line[1]).decode()) == (k.lookup(B), B)
    assert not any(clear in dump for clear in (A, B, "张三", "李四"))
