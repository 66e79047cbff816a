"""The lifecycle's stages: each records its state in the database and can be re-run with the same outcome.

Object keys come from the dossier, the stage and input hashes (``storage.keys``), and the store writes
only if absent, so a stage that runs twice has its effect once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Collection, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import pdf as pdf_stage
from pipeline.approval_gate import flag_unreadable_pages, judge, page_problems
from pipeline.extract import secret_document
from pipeline.models import DocumentResult, PageResult, Source
from pipeline.page_job import PageContext, reading_grey_path
from pipeline.pages import page_refs
from pipeline.result import build_result, document_to_dict
from signing.stamp import find_stamp_box
from sohoa.errors import SohoaError
from storage import keys, repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from workers.context import Context
from workers.early import EarlyPages, move_images
from workers.pages import run_pages
from workers.progress import Progress, silent
from workers.refusal import check_not_refused
from workers.results import show_result
from workers.review import auto_approve
from workers.review_reading import Readings, second_reading
from workers.signed_inputs import SignedInput
from workers.splitting import read_document, split_pages

STAMP_W_PT, STAMP_H_PT, STAMP_MARGIN_PT = 270.0, 64.0, 12.0


def work_dir(ctx: Context, code: str) -> Path:
    """Per-dossier scratch folder (page JPEGs, unsigned PDFs): exists only while a process works on the
    dossier; everything that must last is in the object store and the database."""
    path = ctx.settings.data_dir / "work" / code
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_work_dir(ctx: Context, code: str) -> None:
    """Remove the dossier's scratch folder on this machine (page images, sources, unsigned PDFs)."""
    shutil.rmtree(ctx.settings.data_dir / "work" / code, ignore_errors=True)


def save_page(ctx: Context, code: str, page: PageResult) -> bool:
    """Store the page's images, then record the page: a row means its images are in the store. Both modes
    save a page this way, so a reviewer (and a resumed dossier) finds its images whatever the mode.

    False when the dossier was refused meanwhile (another page held a secrecy mark): the images just stored
    are erased again and no row is written, so nothing of a refused dossier stays behind.
    """
    stored = [keys.page_image_key(code, page.number)]
    ctx.store.put_file(stored[0], page.image_path, content_type="image/jpeg", metadata={"dossier": code})
    grey = reading_grey_path(page.image_path)
    if grey.is_file():
        stored.append(keys.page_grey_image_key(code, page.number))
        ctx.store.put_file(stored[1], grey, content_type="image/jpeg", metadata={"dossier": code})
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        if row is not None and row.state in ACTIVE_STATES:
            repository.save_page(s, row.id, page, image_key=stored[0])
            return True
    for key in stored:
        ctx.store.erase(key)
    return False


def localize_pages(ctx: Context, code: str) -> list[PageResult]:
    """Every saved page whose images are stored, with the images on this machine (fetched when missing).

    A page row of an older embedded run, whose image was never stored, counts as not done: it runs again.
    """
    with session_scope(ctx.engine) as s:
        dossier_id = _dossier(s, code).id
        pages = repository.load_pages(s, dossier_id)
        image_keys = repository.load_page_image_keys(s, dossier_id)
    folder = work_dir(ctx, code) / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for number in sorted(pages):
        key = image_keys.get(number)
        if not key:
            continue
        page = pages[number]
        local = folder / f"{number:04d}.jpg"
        if not local.is_file():
            ctx.store.download(key, local)
        grey_key = keys.page_grey_image_key(code, number)
        if not reading_grey_path(local).is_file() and ctx.store.exists(grey_key):
            ctx.store.download(grey_key, reading_grey_path(local))
        page.image_path = local
        out.append(page)
    return out


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
    """Store every original byte-exact, then record the dossier: nothing happens before this.

    An input refused before (a secret document: ``workers.refusal``) is refused again, before storing."""
    check_not_refused(ctx, sources, inputs_key)
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
        done = {p.number: p for p in localize_pages(ctx, code)}
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
        try:
            for page in running:
                if page.secrecy:  # refused at once: later pages are stopped, nothing more is saved
                    raise secret_document(page.secrecy, page.number)
                save_page(ctx, code, page)
                done[page.number] = page
                progress("ocr", len(done), total)
                if on_page:
                    on_page(page)
        finally:
            running.close()  # pages still running finish (or stop) before anyone cleans their folder
        return [done[n] for n in sorted(done)]


def extract(
    ctx: Context, code: str, pages: list[PageResult], *, whole_sources: Collection[int] = ()
) -> list[DocumentResult]:
    """Split the dossier into its documents, classify each and read its fields (``reread_fields`` then
    reads them again, beside signing). ``whole_sources``: sources that are one document each (a signed
    input passed through)."""
    with _Stage(ctx, code, "extract"):
        by_number = {p.number: p for p in pages}
        documents = []
        for index, numbers in enumerate(split_pages(pages, whole_sources), start=1):
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


def assemble_pdfs(
    ctx: Context, code: str, documents: list[DocumentResult], pages: list[PageResult], *, skip: Collection[int] = ()
) -> list[Path | None]:
    """One unsigned searchable PDF per document, of that document's pages (``None`` for the documents
    whose index is in ``skip``: signed inputs passed through need none)."""
    with _Stage(ctx, code, "pdf"):
        by_number = {p.number: p for p in pages}
        out: list[Path | None] = []
        for doc in documents:
            if doc.index in skip:
                out.append(None)
                continue
            result_code = f"{code}-{doc.index:02d}"
            path = work_dir(ctx, code) / f"{result_code}.unsigned.pdf"
            out.append(pdf_stage.build_searchable_pdf([by_number[n] for n in doc.pages], path, title=result_code))
        return out


def source_of(doc: DocumentResult, pages: Mapping[int, PageResult]) -> int:
    """Index of the source a document's first page comes from."""
    return pages[doc.pages[0]].source_index


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


@dataclass
class SignedDocument:
    """A document after the sign stage: its result code, its signed PDF here, and the signature summary."""

    document: DocumentResult
    result_code: str
    pdf: Path
    signature: dict[str, Any]

    @property
    def passed_through(self) -> bool:
        return bool(self.signature.get("passed_through"))


def sign(
    ctx: Context,
    code: str,
    documents: list[DocumentResult],
    unsigned: list[Path | None],
    pages: list[PageResult],
    signed_inputs: Mapping[int, SignedInput] | None = None,
) -> list[SignedDocument]:
    """Sign each document's PDF: the digitization signature, the last write to the PDF.

    A document that is a signed input passed through (``workers.signed_inputs``) is neither re-rendered
    nor signed: the verified original, byte-exact, is its PDF. A document read from a signed input that
    was *not* passed through is signed like any scan, and its summary says why (``signed_input``).
    """
    # Signing's modules (pyHanko: ~0.35 s to import) load here, not with this module: the page pool forks
    # before they are needed, and ``workers.warm`` loads them meanwhile.
    from signing.keys import is_development_certificate, open_signer
    from signing.sign import level_for, sign_pdf

    settings = ctx.settings
    signed_inputs = signed_inputs or {}
    by_number = {p.number: p for p in pages}
    with _Stage(ctx, code, "sign"), ExitStack() as stack:
        signer, level = None, None
        out = []
        for doc, src in zip(documents, unsigned, strict=True):
            result_code = f"{code}-{doc.index:02d}"
            page = by_number[doc.pages[0]]
            signed_input = signed_inputs.get(page.source_index)
            if signed_input is not None and signed_input.passed_through:
                record = signed_input.record()
                first = next(iter(record["signatures"]), {})
                summary = {**record, "level": "đầu vào đã ký", "signer": _signers(record),
                           "signing_time": first.get("signing_time")}  # fmt: skip
                out.append(SignedDocument(doc, result_code, signed_input.path, summary))
                continue
            if src is None:
                raise SohoaError(f"tài liệu {result_code} không có PDF để ký")
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
            summary = signed.to_dict()
            if signed_input is not None:  # a signed input digitized like a scan: say why
                summary["signed_input"] = signed_input.record()
            out.append(SignedDocument(doc, result_code, dst, summary))
        return out


def _signers(record: dict[str, Any]) -> str:
    return ", ".join(str(s.get("signer") or "?") for s in record["signatures"]) or "?"


def _stamp_lines(ctx: Context, result_code: str) -> list[str]:
    """Our line on the stamp; pyHanko's wrapper adds the signer, the time and, for test keys, the warning."""
    return [f"Số hóa: {ctx.settings.agency_name} · {result_code}"]


def store(
    ctx: Context,
    code: str,
    sources: list[Source],
    pages: list[PageResult],
    signed: list[SignedDocument],
    *,
    generator: str,
) -> dict[str, Any]:
    """Signed PDFs and the result JSON into the object store; documents and fields into the database.

    Each result also gets sohoa's verdict on approving it by itself (``pipeline.approval_gate``): fields
    read from a page it could not read go to review, and so does every result that is not sound end to end.
    """
    settings = ctx.settings
    by_number = {p.number: p for p in pages}
    repaired = frozenset(i for i, src in enumerate(sources) if any(n.startswith("repaired") for n in src.notes))
    bad_pages = [
        p.number
        for p in pages
        if page_problems(p, repaired=p.source_index in repaired, min_confidence=settings.min_page_confidence)
    ]
    with _Stage(ctx, code, "store"):
        docs_json = []
        for item in signed:
            doc, result_code = item.document, item.result_code
            flag_unreadable_pages(doc, bad_pages)
            obj = ctx.store.put_file(
                keys.result_pdf_key(code, result_code),
                item.pdf,
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
                    signature=item.signature,
                    fields=doc.fields,
                )
                repository.set_needs_ltv(s, result_code, needs_ltv=bool(item.signature.get("needs_ltv")))
                doc.fields = repository.fields_of(row)  # a reviewer's corrections survive re-processing
                verdict = judge(
                    doc,
                    by_number,
                    repaired_sources=repaired,
                    signed_input=item.passed_through,
                    enabled=settings.auto_approve,
                    min_confidence=settings.min_page_confidence,
                )
                repository.set_auto_approval(s, result_code, verdict.to_dict())
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
            entry = document_to_dict(
                result_code,
                doc,
                pdf_name=f"{result_code}.pdf",
                pdf_sha256=obj.sha256,
                pdf_size=obj.size,
                signature=item.signature,
            )
            entry["approval"] = verdict.to_dict()
            docs_json.append(entry)
        with session_scope(ctx.engine) as s:
            repository.lock_audit_log(s)
            # results sohoa may approve by itself (pipeline.approval_gate)
            state = auto_approve(s, code, audit_key=ctx.audit_key)
        with session_scope(ctx.engine) as s:
            dossier = _dossier(s, code)
            received = dossier.created_at.isoformat(timespec="seconds") if dossier.created_at else ""
        result = build_result(
            dossier_code=code,
            state=state,
            agency=settings.agency_code,
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
        if view.auto_approval is not None:
            doc["approval"] = {**view.auto_approval, "approved_by": view.approved_by}
        if view.pdf_key and view.pdf_sha256:
            doc["pdf"] = {**doc["pdf"], "key": view.pdf_key, "sha256": view.pdf_sha256}
    return data
