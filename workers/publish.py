"""Publish approved results: approved fields embedded in the PDF, an approval signature, long-term data.

Publishing is the step after approval (DESIGN.md "Signatures"). For each approved result:

1. its stored PDF (digitization signature) is fetched and re-hashed;
2. its approved fields, as they are in the database now, become ``sohoa-approved-fields.json``,
   embedded and signed by the approval signature in one incremental update (the first signature stays
   valid), at ``SOHOA_SIGN_LEVEL`` (B-LTA by default; B-T when revocation data is unavailable, then the
   result is flagged ``needs_ltv`` for ``sohoa sign extend``);
3. under the audit log's lock, the result is checked to be still what was signed (approved by the same
   approval, same fields, same PDF); only then is the new PDF stored, under a key made from the result
   code and the digitization PDF's hash (a re-run finds it), the result row pointed at it, and
   ``result.published`` (with the hash of the approved fields) appended to the audit log. A correction
   that landed while signing aborts it (``PublishConflict``) and nothing is stored;
4. when every result of the dossier is published, the dossier becomes ``published``.

A published result is not published twice. Failures leave the database as it was. A signed input passed
through (``signing.inputs``) is published without an approval signature: sohoa never signs over bytes it
did not render, so its approval lives in the database and the audit log only.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.models import FieldValue
from sohoa.errors import BadInput, SohoaError
from storage import keys, repository
from storage.audit_digest import AuditKey, approved_fields_digest
from storage.db import session_scope
from storage.states import APPROVED_STATES
from storage.tables import DocumentRow
from workers import dossiers
from workers.context import Context
from workers.results import ResultView, get_result, show_result, view_of

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

FIELDS_SCHEMA = "sohoa.approved-fields/1"
APPROVAL_REASON = "Phê duyệt kết quả số hóa"


class NotApproved(BadInput):
    """Only approved results are published."""

    code = "not_approved"


class PublishConflict(SohoaError):
    """The result changed while its approval signature was being made: nothing was published."""

    code = "conflict"


@dataclass(frozen=True)
class Publication:
    """What ``publish_result`` did."""

    result: str
    dossier: str
    dossier_state: str
    pdf_sha256: str | None
    level: str | None
    needs_ltv: bool
    already: bool = False


def approved_payload(view: ResultView) -> dict[str, Any]:
    """The JSON embedded in a published PDF: the result's identity and its approved field values."""
    return {
        "schema": FIELDS_SCHEMA,
        "result": view.code,
        "dossier": view.dossier,
        "type": view.type,
        "approved_at": view.approved_at.replace(tzinfo=dt.UTC).isoformat() if view.approved_at else None,
        "approved_by": view.approved_by,
        "fields": field_values(view.fields_dict()),
    }


def field_values(fields: dict[str, Any]) -> dict[str, Any]:
    """``{key: value}`` (a list of values for a repeated field) from the result JSON's field objects."""
    return {k: [f["value"] for f in v] if isinstance(v, list) else v["value"] for k, v in fields.items()}


def fields_digest(key: AuditKey, code: str, fields: Mapping[str, FieldValue | list[FieldValue]]) -> str:
    """The audit log's keyed digest of a result's approved field set: over ``field_values``, exactly the
    ``fields`` object ``approved_payload`` embeds in the published PDF, so ``result.approved`` and
    ``result.published`` tie to the PDF (``storage.audit_digest``)."""
    as_json = {k: [f.to_dict() for f in v] if isinstance(v, list) else v.to_dict() for k, v in fields.items()}
    return approved_fields_digest(key, code, field_values(as_json))


def publish_result(
    ctx: Context, code: str, *, by: str = repository.SYSTEM_ACTOR, signer: Signer | None = None
) -> Publication:
    """Publish one approved result (see the module docstring); a published one is left as it is.

    ``signer``: one already open, so a dossier's results share one key load or token session. The
    approval and the fields are checked again, under the audit log's lock, right before the published
    PDF is stored: a correction or a withdrawn approval that lands while signing aborts the publication
    (``PublishConflict``), and nothing is stored.
    """
    from signing.approval import APPROVAL_FIELD, embed_fields  # loaded when needed: see workers.warm
    from signing.keys import is_development_certificate, open_signer
    from signing.sign import level_for, sign_pdf

    view = show_result(ctx.engine, code)
    if view.signature.get("approval"):
        return Publication(view.code, view.dossier, view.dossier_state, view.pdf_sha256, None, False, already=True)
    if view.state != "approved":
        raise NotApproved(f"kết quả {view.code} chưa được duyệt ({view.state})", hint="sohoa review approve")
    if not view.pdf_key or not view.pdf_sha256:
        raise NotApproved(f"kết quả {view.code} chưa có tệp PDF đã ký")
    payload = approved_payload(view)
    if view.passed_through:
        return _record_approval(ctx, view, payload, by=by)
    settings = ctx.settings
    work = _scratch(settings.data_dir)
    src, dst = work / f"{view.code}.digitized.pdf", work / f"{view.code}.published.pdf"
    try:
        ctx.store.download(view.pdf_key, src)  # re-hashed against the store's record
        with nullcontext(signer) if signer is not None else open_signer(settings) as active:
            level = level_for(
                settings.sign_level,
                tsa_url=settings.tsa_url,
                development=is_development_certificate(active.signing_cert),
            )
            summary = sign_pdf(
                src,
                dst,
                signer=active,
                stamp_box=None,  # the visible stamp is the digitization signature's
                field_name=APPROVAL_FIELD,
                reason=APPROVAL_REASON,
                location=settings.agency_name,
                level=level,
                tsa_url=settings.tsa_url,
                trust_roots=settings.trust_roots,
                md_algorithm=settings.sign_hash,
                timeout_s=settings.net_timeout_s,
                before_signing=embed_fields(payload),
            )
        needs_ltv = bool(summary.needs_ltv or view.signature.get("needs_ltv"))
        with session_scope(ctx.engine) as s:
            repository.lock_audit_log(s)
            document, dossier = _still_as_signed(s, view, payload)
            obj = ctx.store.put_file(  # under the lock: what is stored is what the database still approves
                keys.result_version_key(view.dossier, view.code, "published", view.pdf_sha256),
                dst,
                content_type="application/pdf",
                metadata={"dossier": view.dossier, "document-type": view.type},
                retain=True,  # the published result is the record citizens reuse: WORM where the store has it
            )
            signature = {
                **document.signature,
                "approval": summary.to_dict(),
                "digitized_pdf": {"key": view.pdf_key, "sha256": view.pdf_sha256},  # kept: the earlier version
                "pdf_versions": [*_versions(document), {"kind": "published", "sha256": obj.sha256}],
            }
            repository.set_result_pdf(
                s, document.id, key=obj.key, sha256=obj.sha256, signature=signature, needs_ltv=needs_ltv
            )
            repository.append_audit(
                s,
                actor=by,
                action="result.published",
                subject=view.code,
                payload={
                    "pdf_sha256": obj.sha256,
                    "level": summary.level,
                    "needs_ltv": needs_ltv,
                    "fields_hmac": fields_digest(ctx.audit_key, view.code, view.fields),
                    "hmac_key": ctx.audit_key.id,
                },
            )
            state = dossiers.settle(s, dossier, by=by)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Publication(view.code, view.dossier, state, obj.sha256, summary.level, needs_ltv)


def _scratch(data_dir: Path) -> Path:
    """A private temporary folder for one publication: never the dossier's work folder, which a worker's
    housekeeping removes once the dossier is no longer being processed."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="publish-", dir=data_dir))


def _still_as_signed(session: Any, view: ResultView, payload: dict[str, Any]) -> tuple[DocumentRow, Any]:
    """The result's rows, when it is still exactly what was signed: approved, by the same approval, with
    the same fields and the same digitized PDF, and not published meanwhile; else ``PublishConflict``."""
    document, dossier = get_result(session, view.code)
    now = view_of(session, document, dossier)
    problem = None
    if now.signature.get("approval"):
        problem = "đã được công bố bởi một tiến trình khác"
    elif now.state != "approved" or now.approved_at != view.approved_at:
        problem = f"việc duyệt đã thay đổi trong lúc ký ({now.state})"
    elif now.pdf_sha256 != view.pdf_sha256:
        problem = "tệp PDF của kết quả đã thay đổi trong lúc ký"
    elif approved_payload(now)["fields"] != payload["fields"]:
        problem = "trường dữ liệu đã được sửa trong lúc ký"
    if problem:
        raise PublishConflict(f"không công bố kết quả {view.code}: {problem}", hint="duyệt lại rồi công bố")
    return document, dossier


def _versions(document: DocumentRow) -> list[dict[str, Any]]:
    """Every PDF this result has had, oldest first (``sohoa verify`` accepts any of them as this result)."""
    known = list((document.signature or {}).get("pdf_versions") or [])
    if not known and document.pdf_sha256:
        kind = "passed_through" if (document.signature or {}).get("passed_through") else "digitized"
        known = [{"kind": kind, "sha256": document.pdf_sha256}]
    return known


def _record_approval(ctx: Context, view: ResultView, payload: dict[str, Any], *, by: str) -> Publication:
    """Publish a signed input passed through: the approval is recorded (database and audit log, with the
    keyed digest of the approved fields) but never signed into bytes sohoa did not render."""
    with session_scope(ctx.engine) as s:
        repository.lock_audit_log(s)
        document, dossier = _still_as_signed(s, view, payload)
        signature = {
            **document.signature,
            "approval": {
                "signed": False,
                "reason": "signed_input",
                "note": "Tệp đầu vào đã ký được giữ nguyên: việc duyệt được ghi trong cơ sở dữ liệu, không ký đè",
                "approved_by": view.approved_by,
            },
            "pdf_versions": _versions(document),
        }
        repository.set_result_pdf(
            s, document.id, key=str(view.pdf_key), sha256=str(view.pdf_sha256), signature=signature, needs_ltv=False
        )
        repository.append_audit(
            s,
            actor=by,
            action="result.published",
            subject=view.code,
            payload={
                "pdf_sha256": view.pdf_sha256,
                "approval_signature": False,
                "fields_hmac": fields_digest(ctx.audit_key, view.code, view.fields),
                "hmac_key": ctx.audit_key.id,
            },
        )
        state = dossiers.settle(s, dossier, by=by)
    return Publication(view.code, view.dossier, state, view.pdf_sha256, None, False)


def publish_dossier(ctx: Context, dossier_code: str, *, by: str = repository.SYSTEM_ACTOR) -> list[Publication]:
    """Publish every result of an approved dossier (each at most once)."""
    with session_scope(ctx.engine) as s:
        dossier = repository.get_dossier(s, dossier_code)
        if dossier is None:
            raise NotApproved(f"không có hồ sơ {dossier_code}")
        if dossier.state not in APPROVED_STATES:
            raise NotApproved(f"hồ sơ {dossier_code} chưa được duyệt ({dossier.state})", hint="sohoa review approve")
        codes = [d.code for d in repository.dossier_documents(s, dossier.id)]
    return [publish_result(ctx, code, by=by) for code in sorted(codes)]


def publish_approved(ctx: Context, dossier_code: str) -> list[str]:
    """After processing: publish each result sohoa approved itself (no doubtful field), as DESIGN.md's
    approval does; returns one line per result that could not be published (it stays approved, and
    ``sohoa publish`` retries it), so a signing or network problem never fails a processed dossier."""
    with session_scope(ctx.engine) as s:
        documents = repository.dossier_documents(s, dossiers.get_row(s, dossier_code).id)
        approved = sorted(d.code for d in documents if d.approved_at is not None)
    if not approved:
        return []
    from signing.keys import open_signer

    problems = []
    try:
        with open_signer(ctx.settings) as signer:
            for code in approved:
                try:
                    publish_result(ctx, code, signer=signer)
                except SohoaError as exc:
                    problems.append(f"{code}: {exc.one_line()}")
    except SohoaError as exc:  # the signer itself could not be opened
        problems.extend(f"{code}: {exc.one_line()}" for code in approved)
    return problems


def extend_result(ctx: Context, code: str, *, by: str = repository.SYSTEM_ACTOR) -> str:
    """Add the long-term validation data a result still lacks (``needs_ltv``); returns the level reached.

    The stored PDF gets OCSP/CRL data and an archive timestamp in an incremental update
    (``signing.ltv.extend_pdf``); the new bytes are stored beside the old under a key from the old
    bytes' hash, and the result row points at them.
    """
    from signing.ltv import extend_pdf  # the network side of signing, only for this command

    settings = ctx.settings
    if not settings.tsa_url:
        raise NotApproved("cần máy chủ dấu thời gian để bổ sung dữ liệu dài hạn", hint="đặt SOHOA_TSA_URL")
    view = show_result(ctx.engine, code)
    if not view.pdf_key or not view.pdf_sha256:
        raise NotApproved(f"kết quả {view.code} chưa có tệp PDF đã ký")
    if view.passed_through:
        raise NotApproved(f"kết quả {view.code} là tệp đầu vào đã ký được giữ nguyên: sohoa không ghi thêm vào tệp")
    work = _scratch(settings.data_dir)
    src, dst = work / f"{view.code}.pending.pdf", work / f"{view.code}.ltv.pdf"
    try:
        ctx.store.download(view.pdf_key, src)
        done = extend_pdf(
            src, dst, tsa_url=settings.tsa_url, trust_roots=settings.trust_roots, timeout_s=settings.net_timeout_s
        )
        obj = ctx.store.put_file(
            keys.result_version_key(view.dossier, view.code, "ltv", view.pdf_sha256),
            dst,
            content_type="application/pdf",
            metadata={"dossier": view.dossier, "document-type": view.type},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with session_scope(ctx.engine) as s:
        repository.lock_audit_log(s)
        document, _ = get_result(s, view.code)
        signature = {
            **document.signature,
            "ltv_added": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pdf_versions": [*_versions(document), {"kind": "ltv", "sha256": obj.sha256}],
        }
        repository.set_result_pdf(s, document.id, key=obj.key, sha256=obj.sha256, signature=signature, needs_ltv=False)
        repository.append_audit(
            s, actor=by, action="result.ltv_added", subject=view.code, payload={"pdf_sha256": obj.sha256}
        )
    return done.level


def pending_ltv(ctx: Context) -> list[str]:
    """Codes of the results whose long-term validation data is still to be added."""
    with session_scope(ctx.engine) as s:
        return repository.results_needing_ltv(s)
