"""The lifecycle's stages, in the order ``workers.lifecycle`` calls them: each records its run in the database
(``dossiers.stage_run``) and can be re-run with the same outcome.

Object keys come from the dossier, the stage and input hashes (``storage.keys``), and the store writes
only if absent, so a stage that runs twice has its effect once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import pdf as pdf_stage
from pipeline.approval_gate import flag_unreadable_pages, judge, page_unreadable
from pipeline.documents import read_document, split_pages
from pipeline.extract import secret_document
from pipeline.models import DocumentResult, PageResult, Source
from pipeline.page_job import PageContext, process_page, reading_grey_path
from pipeline.pages import page_refs
from pipeline.result import build_result, document_to_dict
from pipeline.second_reading import Readings, second_reading
from signing.stamp import stamp_box_on_page
from sohoa.errors import SohoaError
from storage import keys, repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from workers import dossiers
from workers.context import Context
from workers.pages import run_pages
from workers.prefetch import NO_PREFETCH, NoPrefetch
from workers.procedure_reception import with_procedure
from workers.progress import Progress, silent
from workers.review import auto_approve
from workers.signed_inputs import SignedInput


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
        dossier_id = dossiers.get_row(s, code).id
        pages = repository.load_pages(s, dossier_id)
        image_keys = repository.load_page_image_keys(s, dossier_id)
    folder = dossiers.work_dir(ctx, code) / "pages"
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


def ocr_pages(
    ctx: Context, code: str, sources: list[Source], *, progress: Progress = silent, prefetch: NoPrefetch = NO_PREFETCH
) -> list[PageResult]:
    """Straighten, clean and OCR every page not already done (``process_page``, in parallel); each page is
    saved (``save_page``) the moment it finishes, so a resumed dossier skips it. A page with a secrecy mark stops
    everything at once (``SecretDocument``).

    ``prefetch`` sees every page as it becomes available (those done before a resume first), so work on
    finished documents can start while other pages run, and may hold the pages already running.
    """
    with dossiers.stage_run(ctx, code, "ocr"):
        done = {p.number: p for p in localize_pages(ctx, code)}
        folder = dossiers.work_dir(ctx, code)
        todo = [
            PageContext(ref, sources[ref.source_index].filename, folder, ctx.settings)
            for ref in page_refs(sources)
            if ref.number not in done
        ]
        total = len(done) + len(todo)
        progress("ocr", len(done), total)
        for page in done.values():
            prefetch.page_done(page)
        running = prefetch.pages({c.ref.number for c in todo}, folder / "pages") or run_pages(
            todo, ctx.settings.page_workers, job=process_page, page_timeout_s=ctx.settings.page_job_timeout_s
        )
        try:
            for page in running:
                if page.secrecy:  # refused at once: later pages are stopped, nothing more is saved
                    raise secret_document(page.secrecy, page.number)
                save_page(ctx, code, page)
                done[page.number] = page
                progress("ocr", len(done), total)
                prefetch.page_done(page)
        finally:
            running.close()  # type: ignore[attr-defined]  # pages still running finish before their folder goes
        return [done[n] for n in sorted(done)]


def extract(
    ctx: Context, code: str, pages: list[PageResult], signed_inputs: Mapping[int, SignedInput] | None = None
) -> list[DocumentResult]:
    """Split the dossier into its documents, classify each and read its fields (``read_again`` then reads
    them a second time, beside signing). A signed input passed through is one document, whole."""
    whole = {i for i, signed in (signed_inputs or {}).items() if signed.passed_through}
    with dossiers.stage_run(ctx, code, "extract"):
        by_number = {p.number: p for p in pages}
        return [read_document(i, numbers, by_number) for i, numbers in enumerate(split_pages(pages, whole), start=1)]


@contextmanager
def read_again(
    ctx: Context, documents: list[DocumentResult], pages: list[PageResult], *, known: Readings | None = None
) -> Iterator[None]:
    """The second reading of every field (``pipeline.second_reading``), in a thread while the body runs.

    It only adds review reasons to fields, never changes a value, so the PDFs and signatures need not wait
    for it: the lifecycle signs meanwhile (Tesseract releases the GIL), and leaving the block waits for it.
    ``known``: readings made ahead (``workers.read_ahead``), used where they read the same regions.
    """
    if not ctx.settings.review_reread:
        yield
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reread") as background:
        reading = background.submit(
            second_reading,
            documents,
            pages,
            workers=ctx.settings.page_workers,
            timeout_s=ctx.settings.tesseract_timeout_s,
            known=known,
        )
        yield
        reading.result()


def assemble_pdfs(
    ctx: Context,
    code: str,
    documents: list[DocumentResult],
    pages: list[PageResult],
    signed_inputs: Mapping[int, SignedInput] | None = None,
) -> list[Path | None]:
    """One unsigned searchable PDF per document, of that document's pages (``pipeline.pdf``: the page image
    and an invisible text layer); ``None`` for a signed input passed through, which needs none."""
    with dossiers.stage_run(ctx, code, "pdf"):
        by_number = {p.number: p for p in pages}
        out: list[Path | None] = []
        for doc in documents:
            signed = (signed_inputs or {}).get(by_number[doc.pages[0]].source_index)
            if signed is not None and signed.passed_through:
                out.append(None)
                continue
            result_code = f"{code}-{doc.index:02d}"
            path = dossiers.work_dir(ctx, code) / f"{result_code}.unsigned.pdf"
            out.append(pdf_stage.build_searchable_pdf([by_number[n] for n in doc.pages], path, title=result_code))
        return out


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
    with dossiers.stage_run(ctx, code, "sign"), ExitStack() as stack:
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
            dst = dossiers.work_dir(ctx, code) / f"{result_code}.pdf"
            words = [w.bbox for w in page.words]
            corner = settings.stamp_corner
            box = (
                stamp_box_on_page(page.width, page.height, page.dpi, words, corner=corner)
                if settings.stamp_visible
                else None
            )
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
        if page_unreadable(p, repaired=p.source_index in repaired, min_confidence=settings.min_page_confidence)
    ]
    with dossiers.stage_run(ctx, code, "store"):
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
                dossier = dossiers.get_row(s, code)
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
            dossier = dossiers.get_row(s, code)
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
        result = with_procedure(ctx, result)  # the procedure recorded at reception, in both modes
        ctx.store.put_bytes(
            keys.result_json_key(code),
            json.dumps(result, ensure_ascii=False, indent=2).encode("utf-8"),
            content_type="application/json",
            metadata={"dossier": code},
        )
        with session_scope(ctx.engine) as s:  # the JSON is stored: now the dossier may finish
            repository.lock_audit_log(s)
            dossiers.settle(s, dossiers.get_row(s, code), by=repository.SYSTEM_ACTOR)
        return result
