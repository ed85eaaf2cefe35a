"""Appeals: file one with evidence (multipart), the queue and a merchant's own, the platform's
decision, and the evidence files (always as attachments, never rendered)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from stockout.adapters.fields import RowId, Statement, Words
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.pagination import MAX_LIMIT, decode, page
from stockout.api.path_params import PathId
from stockout.bootstrap import Runtime
from stockout.services.appeals.workflow import (
    MAX_FILES,
    EvidenceFile,
    decide_appeal,
    file_appeal,
    get_appeal,
    get_evidence,
    list_appeals,
)

router = APIRouter(prefix="/v1/appeals", tags=["appeals"])
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf",
               "text/plain": "txt"}


def _max_file(rt: Runtime) -> int:
    return max(p.appeals.evidence_max_bytes for p in rt.rules.book.packs)


def upload_limit(rt: Runtime) -> int:
    """The body limit of the appeal routes: every evidence file at its largest, and the form."""
    return _max_file(rt) * MAX_FILES + 1024 * 1024


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: Words = ""


@router.post("", status_code=201, summary="Appeal a verdict (merchant or platform)")
def post_appeal(rt: RuntimeDep, who: PrincipalDep,
                verdict_id: Annotated[RowId, Form(description="the verdict's id (GET /v1/orders/{id})")],
                ground: Annotated[str, Form(description="force_majeure, buyer_requested_delay, "
                                                        "carrier_fault or platform_fault")],
                statement: Annotated[Statement, Form()] = "",
                evidence: Annotated[list[UploadFile] | None, File(
                    description="PNG, JPEG, PDF or plain text; the type is read from the "
                                "content")] = None) -> JSONResponse:
    """File an appeal within the pack's window. A force-majeure ground that a registered
    announcement proves for the order's region and time is approved at once; the rest wait for
    the platform's review."""
    limit = _max_file(rt)
    files = [EvidenceFile(f.filename or "", f.file.read(limit + 1)) for f in evidence or []]
    appeal = file_appeal(rt.uow(), rt.rules, rt.clock, who, verdict_id, ground, statement, files)
    return JSONResponse(appeal, status_code=201)


@router.get("", summary="Appeals, oldest first (the platform's review queue)")
def get_appeals(request: Request, rt: RuntimeDep, who: PrincipalDep,
                state: Literal["pending", "approved", "rejected", "moot"] | None = None,
                shop_id: str | None = None,
                limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                cursor: str | None = None) -> dict[str, Any]:
    """The platform sees every appeal (`state=pending`: its queue, each with `review_due_at`
    and `overdue`); a merchant its shops' own."""
    after = decode(cursor, times=(0,))
    with rt.uow().reader() as uow:
        items, last = list_appeals(uow, who, rt.clock.now(), state=state, shop_id=shop_id,
                                   after=tuple(after) if after is not None else None,
                                   limit=limit)
    return page(request, items, list(last) if last is not None else None)


@router.get("/{appeal_id}", summary="One appeal with its evidence list")
def get_one(appeal_id: PathId, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    with rt.uow().reader() as uow:
        return get_appeal(uow, who, appeal_id, rt.clock.now())


@router.post("/{appeal_id}/decision", summary="Approve or reject (platform only)")
def post_decision(appeal_id: PathId, rt: RuntimeDep, who: PrincipalDep,
                  body: Annotated[Decision, Body()]) -> dict[str, Any]:
    """Approval voids the verdict and its coupon (a coupon the buyer used stays the buyer's
    and stops costing the merchant); rejection keeps the verdict and needs a reason."""
    return decide_appeal(rt.uow(), rt.rules, rt.clock, who, appeal_id,
                         body.decision == "approve", body.reason)


@router.get("/{appeal_id}/evidence/{evidence_id}", summary="An evidence file, as an attachment",
            response_class=Response)
def get_file(appeal_id: PathId, evidence_id: PathId, rt: RuntimeDep, who: PrincipalDep) -> Response:
    with rt.uow().reader() as uow:
        row = get_evidence(uow, who, appeal_id, evidence_id)
    media_type = row["media_type"] if row["media_type"] in _EXTENSIONS else \
        "application/octet-stream"
    name = f"evidence-{row['stored_name']}.{_EXTENSIONS.get(media_type, 'bin')}"
    return Response(bytes(row["content"]), media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store"})
