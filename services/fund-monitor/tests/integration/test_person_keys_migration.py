"""#25: the migration replaces the identity numbers fund-monitor stored by their keyed hashes (on the SQLite
default; resumable: a half-done table is finished, hashes left as they are)."""

import sqlite3

from insurance_shared.migrations import upgrade
from insurance_shared.pii import installed

A, B = "220102199001011234", "22010219900202123X"


def test_stored_numbers_become_keyed_hashes(tmp_path) -> None:
    db = tmp_path / "fund_monitor.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("fund_monitor", url, "0012")
    key = installed().lookup
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO mon_claims (claim_id, id_number, region, registered_on, eligible) "
            "VALUES (?, ?, '220100', '2026-11-02', 1)",
            [(1, A), (2, B), (3, key(A))],  # the third already hashed by an interrupted run
        )
        conn.execute(
            "INSERT INTO mon_insured (employment_id, id_number, region, start_date) VALUES (7, ?, '220100', '2020-01-01')",
            (B,),
        )
        conn.execute(
            "INSERT INTO mon_layoff_separations (filing_id, id_number, end_date, claimed) VALUES (4, ?, '2026-11-01', 0)",
            (A,),
        )
    upgrade("fund_monitor", url)
    with sqlite3.connect(db) as conn:
        claims = conn.execute("SELECT claim_id, person_key FROM mon_claims ORDER BY 1").fetchall()
        insured = conn.execute("SELECT person_key FROM mon_insured").fetchall()
        laid_off = conn.execute("SELECT person_key FROM mon_layoff_separations").fetchall()
        dump = "\n".join(conn.iterdump())
    assert claims == [(1, key(A)), (2, key(B)), (3, key(A))]
    assert insured == [(key(B),)] and laid_off == [(key(A),)]
    assert A not in dump and B not in dump  # no number left anywhere in the file
