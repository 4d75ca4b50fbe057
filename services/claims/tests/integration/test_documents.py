"""Documents (#23 item 3, the same on every service; exercised here in claims): stored with the records, addressed
by SHA-256, type read from the bytes, size limited, scoped to the region, downloads audited, tampering detected."""

import hashlib

from sqlalchemy import text

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EMP = ("employment_service",)


async def upload(client, headers, body: bytes, kind="separation_certificate", media="application/pdf", **params):
    return await client.post(
        "/documents", params={"kind": kind, **params}, content=body, headers={**headers, "Content-Type": media}
    )


async def test_upload_download_and_every_refusal(client, auth_headers, db) -> None:
    h = auth_headers(*EMP)
    digest = hashlib.sha256(PDF).hexdigest()
    r = await upload(client, h, PDF, sha256=digest, filename="离职证明.pdf")
    assert r.status_code == 201, r.text
    d = r.json()
    assert (d["id"], d["media_type"], d["size"], d["region"], d["kind"]) == (
        digest,
        "application/pdf",
        len(PDF),
        "220100",
        "separation_certificate",
    )
    again = await upload(client, h, PDF)
    assert (again.status_code, again.json()["id"]) == (200, digest)  # the same bytes are the same document

    got = await client.get(f"/documents/{digest}/content", headers=h)
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, PDF, "application/pdf")
    async with db.sessionmaker() as s:
        actions = (
            (await s.execute(text("SELECT action FROM audit_log WHERE object_key = :k ORDER BY id"), {"k": digest}))
            .scalars()
            .all()
        )
    assert actions == ["document.uploaded", "document.uploaded_again", "document.downloaded"]

    # another region's document is as unknown as none, for its metadata and its bytes
    other = auth_headers(*EMP, region="220200")
    assert (await client.get(f"/documents/{digest}", headers=other)).status_code == 404
    assert (await client.get(f"/documents/{digest}/content", headers=other)).status_code == 404

    tampered = await upload(client, h, PNG, media="image/png", sha256=digest)
    assert (tampered.status_code, tampered.json()["code"], tampered.json()["errors"][0]["field"]) == (
        422,
        "digest_mismatch",
        "query.sha256",
    )
    wrong = await upload(client, h, b"PK\x03\x04 a zip, not a document", media="application/pdf")
    assert (wrong.status_code, wrong.json()["code"]) == (415, "unsupported_document_type")
    disguised = await upload(client, h, PNG, media="application/pdf")
    assert (disguised.status_code, disguised.json()["code"]) == (422, "type_mismatch")
    big = await upload(client, h, b"%PDF-" + b"x" * (10 * 1024 * 1024))
    assert (big.status_code, big.json()["code"]) == (413, "document_too_large")

    # bytes altered in the database are not served as if they were the document
    png = (await upload(client, h, PNG, kind="business_licence", media="image/png")).json()["id"]
    async with db.sessionmaker() as s:
        await s.execute(text("UPDATE documents SET content = :c WHERE sha256 = :k"), {"c": PNG + b"!", "k": png})
        await s.commit()
    broken = await client.get(f"/documents/{png}/content", headers=h)
    assert (broken.status_code, broken.json()["code"]) == (409, "document_integrity_failed")


async def test_the_community_verifies_on_a_stored_certificate(client, auth_headers, db) -> None:
    from .test_claims import history, registration

    await history(db, 31, 14, ended_k=1)
    claim = (await client.post("/claims", json=registration(31), headers=auth_headers(*EMP))).json()
    await client.post(
        f"/claims/{claim['id']}/verification-request", json={"community": "community-9"}, headers=auth_headers(*EMP)
    )
    community = auth_headers("community", sub="community-9")
    unknown = await client.post(
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "证0031", "certificate_document_id": "f" * 64},
        headers=community,
    )
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["errors"][0]["field"]) == (
        422,
        "unknown_document",
        "body.certificate_document_id",
    )
    scan = (await upload(client, community, PDF, kind="verification_certificate")).json()["id"]
    verified = await client.post(
        f"/claims/{claim['id']}/verify",
        json={"certificate_no": "证0031", "certificate_document_id": scan},
        headers=community,
    )
    assert verified.status_code == 200, verified.text
    assert (verified.json()["state"], verified.json()["certificate_document_id"]) == ("active", scan)


async def test_a_separation_cites_its_certificate(client, auth_headers, db) -> None:
    h = auth_headers("social_insurance")
    scan = (await upload(client, h, PDF)).json()["id"]
    person = {"id_number": "11010519491231002X", "name": "张三", "separation_date": "2026-01-05", "reason": "dismissed"}
    body = {"unit_credit_code": "91220101MA0Y3XXK87", "region": "220100", "persons": [person]}
    unknown = await client.post(
        "/separations", json={**body, "persons": [{**person, "certificate_document_id": "e" * 64}]}, headers=h
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (
        422,
        "body.persons[0].certificate_document_id",
    )
    r = await client.post(
        "/separations", json={**body, "persons": [{**person, "certificate_document_id": scan}]}, headers=h
    )
    assert r.status_code == 201, r.text
    (filed,) = r.json()
    assert filed["certificate_document_id"] == scan
    # filed long after the separation: late, and the record of that finding cites the certificate
    decision = (await client.get(f"/decisions/{filed['decision_id']}", headers=h)).json()
    assert (decision["kind"], decision["facts"]["documents"]) == ("separation.late_filing", [scan])
