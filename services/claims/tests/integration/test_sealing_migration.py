"""#25 items 2 and 5 on the SQLite default: the migration seals what is stored in clear today (resumably: run on
a half-sealed table it seals the rest), and `python -m claims rotate-keys` re-seals it under a new key and
reports done."""

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

from insurance_shared.migrations import upgrade
from insurance_shared.pii import DEV_KEYRING_PHRASE, Keyring

PERSON = "220102199001011234"
CARD, PNG = "6222020200112345679", b"\x89PNG\r\n\x1a\n" + bytes(range(40))


def test_clear_values_are_sealed_by_the_migration_and_rotated_by_the_command(tmp_path) -> None:
    db = tmp_path / "claims.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade("claims", url, "0013")  # the schema before sealing, with values stored in clear
    dev = Keyring.development_keyring()
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO payee_accounts (claim_id, bank_code, card_number, holder_name, updated_at, updated_by)"
            " VALUES (?, 'ICBC', ?, ?, '2026-12-01 00:00:00', 'officer')",
            [(1, CARD, "张三"), (2, dev.encrypt(CARD.encode()), dev.encrypt("李四".encode()))],  # one sealed already
        )
        conn.execute(
            "INSERT INTO separations (unit_credit_code, region, id_number, name, separation_date, reason, involuntary,"
            " filed_on, late) VALUES ('91220101MA0Y3XXK87', '220100', ?, '王五', '2026-11-01', 'dismissed', 1,"
            " '2026-11-03', 0)",
            (PERSON,),
        )
        conn.execute(
            "INSERT INTO documents (region, sha256, kind, media_type, size, content, uploaded_by, uploaded_at)"
            " VALUES ('220100', ?, 'business_licence', 'image/png', ?, ?, 'officer', '2026-12-01 00:00:00')",
            (hashlib.sha256(PNG).hexdigest(), len(PNG), PNG),
        )
    upgrade("claims", url)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT claim_id, card_number, holder_name FROM payee_accounts ORDER BY 1").fetchall()
        content = conn.execute("SELECT content FROM documents").fetchone()[0]
    assert [(i, dev.decrypt(c).decode(), dev.decrypt(h).decode()) for i, c, h in rows] == [
        (1, CARD, "张三"),
        (2, CARD, "李四"),
    ]
    assert dev.decrypt_bytes(content) == PNG and CARD not in str(rows)
    with sqlite3.connect(db) as conn:
        key, number, name = conn.execute("SELECT person_key, id_number, name FROM separations").fetchone()
    assert (key, dev.decrypt(number).decode(), dev.decrypt(name).decode()) == (dev.lookup(PERSON), PERSON, "王五")

    # a new key first, the development one kept: the command re-seals everything and says it is done
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    dev_key = hashlib.sha256(f"{DEV_KEYRING_PHRASE}:encrypt".encode()).digest()
    env = {
        **os.environ,
        "CLAIMS_DATABASE_URL": url,
        "CLAIMS_PII_KEYS": f"k2:{b64(bytes(range(32)))},dev1:{b64(dev_key)}",
        "CLAIMS_PII_LOOKUP_KEY": b64(hashlib.sha256(f"{DEV_KEYRING_PHRASE}:lookup".encode()).digest()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "claims", "rotate-keys", "--batch", "1"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = [json.loads(line) for line in done.stdout.splitlines()]
    assert report[-1] == {"done": True, "current_key": "k2"}
    assert {r["column"]: r["processed"] for r in report[:-1]}["payee_accounts.card_number"] == 2
    with sqlite3.connect(db) as conn:
        values = [v for row in conn.execute("SELECT card_number, holder_name FROM payee_accounts") for v in row]
        content = conn.execute("SELECT content FROM documents").fetchone()[0]
    assert all(v.startswith("v1.k2.") for v in values) and content.startswith(b"v1.k2.")
    with sqlite3.connect(db) as conn:
        assert all(v.startswith("v1.k2.") for v in conn.execute("SELECT id_number, name FROM separations").fetchone())
