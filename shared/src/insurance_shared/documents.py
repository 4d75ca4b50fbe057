"""Documents a decision or a filing rests on (#23 item 3): separation and verification certificates, business
licences, flexible-employment agreements, consultation minutes, appeal grounds. Stored in the owning service's own
database (so a backup holds them with the records), addressed by the SHA-256 of their bytes, their type read from
the bytes (PDF, JPEG, PNG only), at most ``document_max_bytes``; scoped to the uploader's region like every object
(another region's document is as unknown as none) and every download audited."""

import datetime as dt
import hashlib
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, LargeBinary, PrimaryKeyConstraint, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .access_log import record_look
from .audit import AuditEntry, write_audit
from .auth import Principal, Role, require_roles
from .db import COMMON_METADATA, Session, UTCDateTime, utcnow
from .errors import PROBLEM_JSON, NotFound, Problem, ProblemBody, Unprocessable
from .pii import KeyringError, installed
from .writes import Write, writer

__all__ = ["DOCUMENT_KINDS", "documents", "documents_router", "ensure_document", "sniff"]

documents = Table(
    "documents",
    COMMON_METADATA,
    Column("region", String(6), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("media_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("filename", String(200), nullable=True),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("region", "sha256", name="pk_documents"),
)

DOCUMENT_KINDS = (
    "separation_certificate",  # 离职证明
    "verification_certificate",  # 社区核实证明
    "business_licence",  # 工商营业执照
    "flexible_agreement",  # 灵活就业协议
    "consultation_minutes",  # 工会或职工意见
    "appeal_grounds",  # 复议申请材料
    "other",
)
Kind = Literal[
    "separation_certificate",
    "verification_certificate",
    "business_licence",
    "flexible_agreement",
    "consultation_minutes",
    "appeal_grounds",
    "other",
]
# the bytes a file starts with, not the name or the Content-Type the caller gives, say what it is
MAGIC = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sniff(content: bytes) -> str | None:
    """The media type the bytes are, of the three accepted; None for anything else."""
    return next((media for magic, media in MAGIC if content.startswith(magic)), None)


class DocumentOut(BaseModel):
    id: str = Field(description="内容的 SHA-256 (十六进制): 文件的编号", examples=["9f86d081884c7d65…"])
    kind: Kind
    media_type: str
    size: int
    filename: str | None
    region: str
    uploaded_by: str
    uploaded_at: dt.datetime


def _out(row) -> DocumentOut:
    return DocumentOut(
        id=row.sha256,
        kind=row.kind,
        media_type=row.media_type,
        size=row.size,
        filename=row.filename,
        region=row.region,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


_META = [c for c in documents.c if c.name != "content"]


async def _find(session: AsyncSession, principal: Principal, sha256: str, *, content: bool = False):
    """The caller's region's document (the province's token reads every region's); another region's is 404."""
    query = select(*(documents.c if content else _META)).where(documents.c.sha256 == sha256)
    if not principal.reads_all_regions:
        query = query.where(documents.c.region == principal.region)
    row = (await session.execute(query.order_by(documents.c.region).limit(1))).first()
    if row is None:
        raise NotFound("document", sha256)
    return row


async def ensure_document(session: AsyncSession, region: str, sha256: str, field: str) -> None:
    """A record that cites a document (by its SHA-256) cites one stored for its region: 422 naming ``field``."""
    found = (
        await session.execute(
            select(documents.c.sha256).where(documents.c.region == region, documents.c.sha256 == sha256)
        )
    ).first()
    if found is None:
        raise Unprocessable(
            "unknown_document",
            f"no document {sha256} is stored for region {region}: upload it first (POST /documents)",
            field=field,
        )


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes ``limit``."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(
                413, "document_too_large", "Content Too Large", f"a document is at most {limit} bytes (setting)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


Id = Annotated[str, Path(pattern=SHA256.pattern, description="SHA-256 (小写十六进制)")]
UPLOADERS = (
    Role.SOCIAL_INSURANCE,
    Role.EMPLOYMENT_SERVICE,
    Role.LABOR_DEPARTMENT,
    Role.COMMUNITY,
    Role.PROVINCE,
)


def documents_router() -> APIRouter:
    router = APIRouter(prefix="/documents", tags=["documents"])
    readers = require_roles(*UPLOADERS)

    @router.post(
        "",
        status_code=201,
        response_model=DocumentOut,
        summary="上传证明材料 (PDF、JPEG、PNG)",
        description=(
            "The file's bytes as the body (`application/pdf`, `image/jpeg` or `image/png`), stored in this "
            "service's database for the caller's region and addressed by their SHA-256, which is the document's id. "
            "`sha256` (optional) is the digest the sender computed: a body that does not match it was changed on "
            "the way (422 `digest_mismatch`). The type is read from the bytes (415 `unsupported_document_type`; "
            "422 `type_mismatch` when the Content-Type says otherwise); larger than the setting "
            "`document_max_bytes` (default 10 MB) is 413 `document_too_large`. The same bytes again are the same "
            "document (200)."
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    m: {"schema": {"type": "string", "format": "binary"}, "example": example}
                    for (_, m), example in zip(
                        MAGIC,
                        (
                            "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
                            "(the JPEG file's bytes, starting FF D8 FF)",
                            "(the PNG file's bytes, starting 89 50 4E 47 0D 0A 1A 0A)",
                        ),
                        strict=True,
                    )
                },
            }
        },
        responses={
            200: {"model": DocumentOut, "description": "已有相同内容的文件"},
            415: {
                "model": ProblemBody,
                "description": "不是 PDF、JPEG 或 PNG 文件 (unsupported_document_type)",
                "content": {PROBLEM_JSON: {}},
            },
        },
    )
    async def upload(
        request: Request,
        kind: Annotated[Kind, Query(description="材料类别")],
        w: Annotated[Write, Depends(writer(*UPLOADERS, streamed=True))],
        sha256: Annotated[str | None, Query(pattern=SHA256.pattern, description="发送方计算的 SHA-256")] = None,
        filename: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ):
        content = await _read(request, request.app.state.settings.document_max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        w.body_digest = digest
        if sha256 is not None and sha256 != digest:
            raise Unprocessable(
                "digest_mismatch",
                f"the body's SHA-256 is {digest}, not the {sha256} given: the file was changed or cut on the way",
                field="query.sha256",
            )
        media = sniff(content)
        if media is None:
            raise Problem(
                415,
                "unsupported_document_type",
                "Unsupported Media Type",
                "a document is a PDF, JPEG or PNG file (read from its first bytes)",
            )
        declared = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if declared and declared != media:
            raise Unprocessable(
                "type_mismatch", f"the bytes are {media}, not the {declared} sent", field="header.content-type"
            )
        region = w.principal.region
        existing = (
            await w.session.execute(select(*_META).where(documents.c.region == region, documents.c.sha256 == digest))
        ).first()
        created = existing is None
        if created:
            await w.session.execute(
                insert(documents).values(
                    region=region,
                    sha256=digest,
                    kind=kind,
                    media_type=media,
                    size=len(content),
                    filename=filename,
                    content=installed().encrypt_bytes(content),  # sealed at rest (pii.py), the key named in it
                    uploaded_by=w.principal.sub,
                    uploaded_at=utcnow(),
                )
            )
            existing = (
                await w.session.execute(
                    select(*_META).where(documents.c.region == region, documents.c.sha256 == digest)
                )
            ).first()
        w.audit("document.uploaded" if created else "document.uploaded_again", "document", digest, region)
        return await w.respond(201 if created else 200, _out(existing), location=f"/documents/{digest}")

    @router.get("/{document_id}", response_model=DocumentOut, summary="证明材料信息")
    async def metadata(document_id: Id, session: Session, principal: Annotated[Principal, Depends(readers)]):
        return _out(await _find(session, principal, document_id))

    @router.get(
        "/{document_id}/content",
        response_class=Response,
        responses={200: {"content": {m: {} for _, m in MAGIC}, "description": "文件内容"}},
        summary="下载证明材料 (下载记入审计)",
        description="The stored bytes; their SHA-256 is checked against the id before they are served (409 "
        "`document_integrity_failed` otherwise). Every download is an audit record.",
    )
    async def content(
        document_id: Id, request: Request, session: Session, principal: Annotated[Principal, Depends(readers)]
    ) -> Response:
        row = await _find(session, principal, document_id, content=True)
        try:
            stored = installed().decrypt_bytes(row.content)
        except KeyringError:
            stored = b""  # altered, or sealed under a key this service no longer holds: not the document
        if hashlib.sha256(stored).hexdigest() != row.sha256:
            raise Problem(
                409,
                "document_integrity_failed",
                "Conflict",
                "the stored bytes no longer match their SHA-256: the document was altered in the database; restore "
                "it from a backup",
            )
        await write_audit(
            session,
            principal,
            getattr(request.state, "request_id", None),
            [AuditEntry("document.downloaded", "document", row.sha256, row.region)],
        )
        # a document is about a person (a certificate, an agreement): a look, recorded as every look is
        await record_look(session, principal, "document.download", object=("document", document_id), region=row.region)
        return Response(
            stored,
            media_type=row.media_type,
            headers={"content-disposition": f'attachment; filename="{row.sha256[:16]}"'},
        )

    return router
