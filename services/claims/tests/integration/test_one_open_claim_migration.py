"""The unique index on open claims (migration 0019) on the SQLite default: it is built where each person has at
most one open claim, and where two registrations raced before it, the migration stops and names the claims."""

import sqlite3

import pytest

from insurance_shared.migrations import upgrade

T = "2026-11-01 00:00:00"


def _claim(conn: sqlite3.Connection, claim_id: int, person_key: str, state: str) -> None:
    conn.execute(
        "INSERT INTO claims (id, person_key, id_number, name, region, registered_on, job_seeking, state, eligible,"
        " decision, months_counted, total_months, carried_over, monthly_amount, months_left, created_at, updated_at)"
        " VALUES (?, ?, 'v1.x', 'v1.y', '220100', '2026-11-01', 1, ?, 1, '{}', 14, 12, 0, 135000, 0, ?, ?)",
        (claim_id, person_key, state, T, T),
    )


def test_the_index_is_built_over_open_claims_only(tmp_path) -> None:
    db = tmp_path / "claims.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("claims", url, "0018")
    with sqlite3.connect(db) as conn:
        _claim(conn, 1, "a" * 64, "closed")  # a person's earlier claims stay beside their open one
        _claim(conn, 2, "a" * 64, "stopped")
        _claim(conn, 3, "a" * 64, "active")
    upgrade("claims", url)
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        _claim(conn, 4, "a" * 64, "registered")


def test_two_open_claims_of_one_person_stop_the_migration_with_their_ids(tmp_path) -> None:
    db = tmp_path / "claims.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("claims", url, "0018")
    with sqlite3.connect(db) as conn:
        _claim(conn, 7, "b" * 64, "active")
        _claim(conn, 9, "b" * 64, "verification_requested")
    with pytest.raises(RuntimeError, match=r"claims 7\.\.9 \(2 open\)"):
        upgrade("claims", url)
    with sqlite3.connect(db) as conn:  # the migration wrote nothing: the same two claims, no index
        assert conn.execute("SELECT count(*) FROM claims").fetchone() == (2,)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'uq_claims_open_person'").fetchone() is None
