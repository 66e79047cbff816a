"""The lifecycle's stages: each records its state in the database and can be re-run with the same outcome.

Object keys come from the dossier, the stage and input hashes (``storage.keys``), and the store writes
only if absent, so a stage that runs twice has its effect once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import pdf as pdf_stage
from pipeline.models import DocumentResult, PageResult, Source
from pipeline.page_job import PageContext
from pipeline.pages import page_refs
from pipeline.result import build_result, document_to_dict
from signing.stamp import find_stamp_box
from sohoa.errors import SohoaError
from storage import keys, repository
from storage.db import session_scope
from workers.context import Context
from workers.early import EarlyPages, move_images
from workers.pages import run_pages
from workers.progress import Progress, silent
from workers.results import show_result
from workers.review import auto_approve
from workers.review_reading import Readings, second_reading
from workers.splitting import read_document, split_pages

FINISHED_STATES = frozenset({"needs_review", "approved", "published"})
STAMP_W_PT, STAMP_H_PT, STAMP_MARGIN_PT = 270.0, 64.0, 12.0


def work_dir(ctx: Context, code: str) -> Path:
    """Per-dossier scratch folder (page JPEGs, unsigned PDF); kept until the dossier is done."""
    path = ctx.settings.data_dir / "work" / code
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dossier(session: Any, code: str) -> Any:
    row = repository.get_dossier(session, code)
    if row is None:
        raise SohoaError(f"không có hồ sơ {code}")
    return row


def find_dossier(ctx: Context, inputs_key: str) -> Any:
    with session_scope(ctx.engine) as s:
        row = repository.find_dossier_by_inputs(s, inputs_key)
        if row is not None:
            s.expunge(row)
        return row


def receive(ctx: Context, sources: list[Source], inputs_key: str) -> Any:
    """Store every original byte-exact, then record the dossier: nothing happens before this."""
    source_keys = []
    for src in sources:
        key = keys.original_key(src.sha256)
        ctx.store.put_file(key, src.path, metadata={"sha256": src.sha256, "kind": src.kind}, content_type=_mime(src))
        source_keys.append(key)
    with session_scope(ctx.engine) as s:
        repository.lock_audit_log(s)
        row, created = repository.find_or_create_dossier(
            s,
            agency=ctx.settings.agency_code,
            day=date.today(),
            inputs_key=inputs_key,
            sources=sources,
            source_keys=source_keys,
        )
        if created:
            repository.append_audit(
                s,
                actor=repository.SYSTEM_ACTOR,
                action="dossier.received",
                subject=row.code,
                payload={"sources": len(sources), "pages": sum(src.page_count for src in sources)},
            )
        s.flush()
        s.expunge(row)
        return row


def _mime(src: Source) -> str:
    return {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg", "png": "image/png"}[src.kind]


def failed_stage(ctx: Context, code: str, default: str) -> str:
    """The stage whose last run failed (or was left running by a killed process), else ``default``."""
    with session_scope(ctx.engine) as s:
        runs = repository.load_stage_runs(s, _dossier(s, code).id)
    for state in ("failed", "running"):
        found = [r for r in runs.values() if r.state == state]
        if found:
            return max(found, key=lambda r: r.started_at).stage
    return default


def set_state(ctx: Context, code: str, state: str, *, stage: str | None = None, reason: str | None = None) -> None:
    with session_scope(ctx.engine) as s:
        repository.set_state(s, _dossier(s, code), state, stage=stage, reason=reason)


class _Stage:
    """Records a stage as running, then done or failed with its error, in the database."""

    def __init__(self, ctx: Context, code: str, name: str) -> None:
        self.ctx, self.code, self.name = ctx, code, name

    def __enter__(self) -> _Stage:
        with session_scope(self.ctx.engine) as s:
            repository.stage_started(s, _dossier(s, self.code).id, self.name)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        with session_scope(self.ctx.engine) as s:
            dossier_id = _dossier(s, self.code).id
            if exc is None:
                repository.stage_done(s, dossier_id, self.name)
            else:
                code = exc.code if isinstance(exc, SohoaError) else "internal"
                repository.stage_failed(s, dossier_id, self.name, code=code, message=str(exc)[:2000])


def ocr_pages(
    ctx: Context,
    code: str,
    sources: list[Source],
    *,
    progress: Progress = silent,
    on_page: Callable[[PageResult], None] | None = None,
    early: EarlyPages | None = None,
) -> list[PageResult]:
    """Clean and OCR every page not already done; each page is saved the moment it finishes.

    ``on_page`` sees every page as it becomes available (those done before a resume first), so work on
    finished documents can start while other pages run. ``early``: the same pages already started by the
    CLI (``workers.early``); those the database already has are dropped.
    """
    with _Stage(ctx, code, "ocr"):
        with session_scope(ctx.engine) as s:
            dossier_id = _dossier(s, code).id
            done = {n: p for n, p in repository.load_pages(s, dossier_id).items() if p.image_path.is_file()}
        folder = work_dir(ctx, code)
        todo = [
            PageContext(ref, sources[ref.source_index].filename, folder, ctx.settings)
            for ref in page_refs(sources)
            if ref.number not in done
        ]
        total = len(done) + len(todo)
        progress("ocr", len(done), total)
        if on_page is not None:
            for page in done.values():
                on_page(page)
        wanted = {c.ref.number for c in todo}
        if early is not None and wanted:  # with nothing wanted, the early pages are left to be stopped
            running = (move_images(p, folder / "pages") for p in early.results() if p.number in wanted)
        else:
            running = run_pages(todo, ctx.settings.page_workers, page_timeout_s=ctx.settings.page_job_timeout_s)
        for page in running:
            with session_scope(ctx.engine) as s:
                repository.save_page(s, dossier_id, page)
            done[page.number] = page
            progress("ocr", len(done), total)
            if on_page:
                on_page(page)
        return [done[n] for n in sorted(done)]


def extract(ctx: Context, code: str, pages: list[PageResult]) -> list[DocumentResult]:
    """Split the dossier into its documents, classify each and read its fields (``reread_fields`` then
    reads them again, beside signing)."""
    with _Stage(ctx, code, "extract"):
        by_number = {p.number: p for p in pages}
        documents = []
        for index, numbers in enumerate(split_pages(pages), start=1):
            documents.append(read_document(index, numbers, by_number))
        return documents


def reread_fields(
    ctx: Context, documents: list[DocumentResult], pages: list[PageResult], *, known: Readings | None = None
) -> None:
    """The second reading of every field (``workers.review_reading``), when the settings ask for it.

    It only adds review reasons to fields, never changes a value, so the PDFs and signatures do not wait
    for it: the fan-in runs it beside them (Tesseract in a thread while the main thread signs).
    ``known``: readings made ahead (``workers.read_ahead``), used where they read the same regions.
    """
    if ctx.settings.review_reread:
        second_reading(
            documents, pages, workers=ctx.settings.page_workers, timeout_s=ctx.settings.tesseract_timeout_s, known=known
        )


def assemble_pdfs(ctx: Context, code: str, documents: list[DocumentResult], pages: list[PageResult]) -> list[Path]:
    """One unsigned searchable PDF per document, of that document's pages."""
    with _Stage(ctx, code, "pdf"):
        by_number = {p.number: p for p in pages}
        out = []
        for doc in documents:
            result_code = f"{code}-{doc.index:02d}"
            path = work_dir(ctx, code) / f"{result_code}.unsigned.pdf"
            out.append(pdf_stage.build_searchable_pdf([by_number[n] for n in doc.pages], path, title=result_code))
        return out


def stamp_box(page: PageResult, corner: str = "top-left") -> tuple[float, float, float, float]:
    """Where the stamp goes on page 1, in points from the top-left, clear of every OCR word."""
    scale = 72.0 / page.dpi
    words = [tuple(v * scale for v in w.bbox) for w in page.words]
    placement = find_stamp_box(
        page.width * scale,
        page.height * scale,
        words,  # type: ignore[arg-type]
        stamp_width=STAMP_W_PT,
        stamp_height=STAMP_H_PT,
        margin=STAMP_MARGIN_PT,
        prefer=corner,  # type: ignore[arg-type]
    )
    return placement.box


def sign(
    ctx: Context,
    code: str,
    documents: list[DocumentResult],
    unsigned: list[Path],
    pages: list[PageResult],
    sources: Sequence[Source] = (),
) -> list[tuple[DocumentResult, str, Path, dict[str, Any]]]:
    """Sign each document's PDF: the digitization signature, the last write to the PDF.

    A document read from an input that already carries a signature is neither re-rendered nor signed:
    the input itself, byte-exact, is its PDF, with its signatures' verdict recorded (``signing.inputs``).
    """
    # Signing's modules (pyHanko: ~0.35 s to import) load here, not with this module: the page pool forks
    # before they are needed, and ``workers.warm`` loads them meanwhile.
    from signing.inputs import has_signature, signed_input_summary
    from signing.keys import is_development_certificate, open_signer
    from signing.sign import level_for, sign_pdf

    settings = ctx.settings
    signed_inputs = {s.filename: s for s in sources if s.kind == "pdf" and has_signature(s.path)}
    first = {p.number: p for p in pages}
    with _Stage(ctx, code, "sign"), ExitStack() as stack:
        signer, level = None, None
        out = []
        for doc, src in zip(documents, unsigned, strict=True):
            result_code = f"{code}-{doc.index:02d}"
            page = first[doc.pages[0]]
            kept = signed_inputs.get(page.source)
            if kept is not None:
                summary = signed_input_summary(
                    kept.path, sha256=kept.sha256, trust_roots=settings.trust_roots, fetch=settings.revinfo_fetch,
                    timeout_s=settings.net_timeout_s,
                )  # fmt: skip
                out.append((doc, result_code, kept.path, summary))
                continue
            if signer is None:
                signer = stack.enter_context(open_signer(settings))
                development = is_development_certificate(signer.signing_cert)
                level = level_for(settings.sign_level, tsa_url=settings.tsa_url, development=development)
            dst = work_dir(ctx, code) / f"{result_code}.pdf"
            box = stamp_box(page, settings.stamp_corner) if settings.stamp_visible else None
            signed = sign_pdf(
                src,
                dst,
                signer=signer,
                stamp_box=box,
                stamp_lines=_stamp_lines(ctx, result_code),
                location=settings.agency_name,
                level=level,  # type: ignore[arg-type]
                tsa_url=settings.tsa_url,
                trust_roots=settings.trust_roots,
                md_algorithm=settings.sign_hash,
                timeout_s=settings.net_timeout_s,
            )
            out.append((doc, result_code, dst, signed.to_dict()))
        return out


def _stamp_lines(ctx: Context, result_code: str) -> list[str]:
    """Our line on the stamp; pyHanko's wrapper adds the signer, the time and, for test keys, the warning."""
    return [f"Số hóa: {ctx.settings.agency_name} · {result_code}"]


def store(
    ctx: Context,
    code: str,
    sources: list[Source],
    pages: list[PageResult],
    signed: list[tuple[DocumentResult, str, Path, dict[str, Any]]],
    *,
    generator: str,
) -> dict[str, Any]:
    """Signed PDFs and the result JSON into the object store; documents and fields into the database."""
    with _Stage(ctx, code, "store"):
        docs_json = []
        for doc, result_code, path, signature in signed:
            obj = ctx.store.put_file(
                keys.result_pdf_key(code, result_code),
                path,
                content_type="application/pdf",
                metadata={"dossier": code, "document-type": doc.type},
                retain=True,  # a signed result is a record: WORM retention where the store has it
            )
            with session_scope(ctx.engine) as s:
                repository.lock_audit_log(s)
                dossier = _dossier(s, code)
                before = repository.get_document(s, result_code)
                already_stored = before is not None and before.pdf_sha256 == obj.sha256
                row = repository.save_document(
                    s,
                    dossier.id,
                    index=doc.index,
                    code=result_code,
                    type=doc.type,
                    pages=doc.pages,
                    pdf_key=obj.key,
                    pdf_sha256=obj.sha256,
                    signature=signature,
                    fields=doc.fields,
                )
                repository.set_needs_ltv(s, result_code, needs_ltv=bool(signature.get("needs_ltv")))
                doc.fields = repository.fields_of(row)  # a reviewer's corrections survive re-processing
                doubtful = sum(
                    f.status == "needs_review" for v in doc.fields.values() for f in (v if isinstance(v, list) else [v])
                )
                if not already_stored:  # a re-run (crashed job, retry) records the stored result once
                    repository.append_audit(
                        s,
                        actor=repository.SYSTEM_ACTOR,
                        action="result.stored",
                        subject=result_code,
                        payload={"type": doc.type, "pdf_sha256": obj.sha256, "needs_review": doubtful},
                    )
            docs_json.append(
                document_to_dict(
                    result_code,
                    doc,
                    pdf_name=f"{result_code}.pdf",
                    pdf_sha256=obj.sha256,
                    pdf_size=obj.size,
                    signature=signature,
                )
            )
        with session_scope(ctx.engine) as s:
            repository.lock_audit_log(s)
            # results with no doubtful field are approved by sohoa
            state = auto_approve(s, code, audit_key=ctx.audit_key)
        with session_scope(ctx.engine) as s:
            dossier = _dossier(s, code)
            received = dossier.created_at.isoformat(timespec="seconds") if dossier.created_at else ""
        result = build_result(
            dossier_code=code,
            state=state,
            agency=ctx.settings.agency_code,
            received_at=received,
            sources=sources,
            pages=pages,
            documents=docs_json,
            generator=generator,
        )
        ctx.store.put_bytes(
            keys.result_json_key(code),
            json.dumps(result, ensure_ascii=False, indent=2).encode("utf-8"),
            content_type="application/json",
            metadata={"dossier": code},
        )
        set_state(ctx, code, state)
        return result


def load_result(ctx: Context, code: str) -> dict[str, Any]:
    """The stored result JSON of a finished dossier, brought up to date (``current_result``)."""
    return current_result(ctx, json.loads(ctx.store.get_bytes(keys.result_json_key(code))))


def current_result(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The result JSON as the database has it now: the dossier's state, and for each document its fields
    (corrections), its current PDF (the published one once approved) and its signatures.

    The JSON stored at processing time is immutable (put-if-absent); what changed since lives in the
    database, so every export goes through here."""
    with session_scope(ctx.engine) as s:
        data["dossier"]["state"] = _dossier(s, data["dossier"]["code"]).state
    for doc in data["documents"]:
        view = show_result(ctx.engine, doc["code"])
        doc["fields"] = view.fields_dict()
        doc["signature"] = view.signature
        if view.pdf_key and view.pdf_sha256:
            doc["pdf"] = {**doc["pdf"], "key": view.pdf_key, "sha256": view.pdf_sha256}
    return data
