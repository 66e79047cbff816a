"""The service layer: every operation a front end offers, and the only module the CLI (and the web) calls.

One ``Service`` per command or per web process holds the settings and opens the database and the object
store on first use (``check``, ``verify`` and ``process`` need neither before their work starts). Each
method is one user-facing operation; the work lives in the module it names, so this file reads as the list
of what sohoa does. Errors are ``SohoaError``s (bad input exit 2, the rest 1) for the front end to show.

Imports are made inside the methods: ``sohoa process`` starts its pages before the database layer is even
imported (``workers.prefetch``), and a front end pays only for what it calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sohoa.errors import BadInput
from sohoa.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipeline.procedure_catalogue import Procedure
    from storage.check import CheckReport
    from workers.accounts import Principal, UserInfo
    from workers.audit import AuditVerdict, PdfTie
    from workers.citizen import OwnResult
    from workers.claims import Claim
    from workers.context import Context
    from workers.lifecycle import Outcome
    from workers.oidc import OidcStart
    from workers.prefetch import NoPrefetch
    from workers.progress import Progress
    from workers.publish import Publication
    from workers.reconcile import Report as ReconcileReport
    from workers.results import ResultSummary, ResultView
    from workers.review import Approval, Correction, Rejection, WaitingResult
    from workers.review_queue import QueueItem
    from workers.seals import Sealed
    from workers.submission import Receipt
    from workers.workbench import Reread, Workbench


class InvalidSettings(BadInput):
    """A setting (environment variable or ``*_FILE``) that does not parse: the command cannot start."""

    code = "invalid_settings"


def settings_from_env(**overrides: Any) -> Settings:
    """The settings from the environment, ``overrides`` (``None`` values ignored) taking precedence."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        errors = exc.errors() if hasattr(exc, "errors") else []
        detail = "; ".join(f"SOHOA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in errors) or str(exc)
        raise InvalidSettings(f"invalid settings: {detail}") from exc


def parse_time(at: str | None) -> dt.datetime | None:
    """An ISO 8601 time given by a user (UTC when it names no zone); ``BadInput`` when it is not one."""
    if at is None:
        return None
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError as exc:
        raise BadInput(f"{at!r} is not an ISO 8601 time") from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


class Service:
    """sohoa's operations over one set of settings; the database and the store open on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ctx: Context | None = None

    @property
    def ctx(self) -> Context:
        """The opened database (migrated) and object store."""
        if self._ctx is None:
            from workers.context import open_context

            self._ctx = open_context(self.settings)
        return self._ctx

    def close(self) -> None:
        """Seal the audit log when a seal is due, then close the database connections."""
        if self._ctx is None:
            return
        try:
            from workers.seals import seal_if_due

            seal_if_due(self._ctx)
        finally:
            self._ctx.engine.dispose()
            self._ctx = None

    # -- reception and processing ------------------------------------------------------------------

    def check(self, inputs: list[Path], *, thumbnails: bool = False, first_page: int = 1) -> dict[str, Any]:
        """The reception check of a dossier's pages (resolution, blur, blank, skew, cut edges): nothing stored.
        With ``thumbnails`` each page also carries a small JPEG (a data URI) for the desk's screen; pages are
        numbered from ``first_page`` (a page rescanned alone keeps its number)."""
        from workers.submission import check_inputs

        return check_inputs(inputs, self.settings, thumbnails=thumbnails, first_page=first_page)

    def replace_page(self, source: Path, page: int, replacement: Path, out_dir: Path) -> Path:
        """``source`` with page ``page`` (1-based) replaced by the one-page ``replacement``: the desk's rescan of
        one page before the dossier is handed in (``workers.rescan``; nothing stored)."""
        from workers.rescan import replace_page

        return replace_page(source, page, replacement, self.settings, out_dir)

    @staticmethod
    def check_out_dir(out: Path) -> None:
        """``BadInput`` unless ``out`` is (or can be made) a writable folder: checked before any work."""
        from workers.outputs import check_out_dir

        check_out_dir(out)

    def start_process(self, inputs: list[Path], out: Path) -> NoPrefetch:
        """Check ``out`` and the signing key, then start the pages at once (``workers.prefetch``)."""
        from workers.prefetch import Prefetch

        self.check_out_dir(out)
        self.settings.chosen_signer()
        return Prefetch.start(inputs, self.settings)

    def process(
        self,
        inputs: list[Path],
        out: Path,
        *,
        progress: Progress | None = None,
        prefetch: NoPrefetch | None = None,
        procedure: str | None = None,
    ) -> Outcome:
        """Digitize one dossier in this process (embedded mode): signed PDFs and the result JSON in ``out``;
        with ``procedure`` (a code) the JSON maps the documents onto its components."""
        from workers.lifecycle import process_dossier
        from workers.prefetch import NO_PREFETCH
        from workers.progress import silent

        proc = self.procedure_show(procedure) if procedure else None
        return process_dossier(
            inputs, self.settings, out, progress=progress or silent, prefetch=prefetch or NO_PREFETCH, procedure=proc
        )

    # -- procedures --------------------------------------------------------------------------------------

    def procedures_list(self) -> list[Procedure]:
        """The procedure catalogue: shipped procedures and the agency's own (``SOHOA_PROCEDURES_DIR``)."""
        from workers.procedure_reception import catalogue

        return sorted(catalogue(self.settings).values(), key=lambda p: (p.domain, p.code))

    def procedures_by_domain(self) -> list[tuple[str, list[Procedure]]]:
        """The catalogue grouped as the desk's chooser shows it: (domain in Vietnamese, its procedures)."""
        from pipeline.procedure_catalogue import DOMAIN_LABELS

        groups: dict[str, list[Procedure]] = {}
        for proc in self.procedures_list():
            groups.setdefault(DOMAIN_LABELS.get(proc.domain, proc.domain or "Khác"), []).append(proc)
        return list(groups.items())

    def procedure_show(self, code: str) -> Procedure:
        """One procedure and its components; ``UnknownProcedure`` (bad input) for a code not in the catalogue."""
        from workers.procedure_reception import procedure

        return procedure(self.settings, code)

    def procedure_check(self, dossier: str, procedure: str, *, by: str) -> dict[str, Any]:
        """A processed dossier's result JSON checked against a procedure (the queue's dossiers, or another
        procedure than the one given at processing); the search by personal ID is audited under ``by``."""
        from workers.procedure_reception import against_procedure
        from workers.results import load_result

        proc = self.procedure_show(procedure)
        return against_procedure(self.ctx, load_result(self.ctx, dossier), proc, by=by)

    def submit(self, inputs: list[Path], *, check: bool = True, procedure: str | None = None) -> Receipt:
        """Hand a dossier in to the queue (distributed mode): checked, stored, recorded, enqueued; a receipt.
        ``check=False``: no reception check (a front end that just ran ``check`` on the same files). With
        ``procedure`` (checked first, then recorded on the dossier with its due date) the receipt lists its
        components; the fan-in maps the documents onto them once they are classified."""
        from workers.submission import submit

        proc = self.procedure_show(procedure) if procedure else None
        return submit(inputs, self.settings, self.ctx, check=check, procedure=proc)

    def status(self, code: str) -> dict[str, Any]:
        """A dossier's state, stages, pages done and, when Redis answers, its jobs in flight."""
        from workers import queues
        from workers.submission import status

        try:
            conn = queues.connect(self.settings) if self.settings.redis_url else None
        except queues.QueueUnavailable:
            conn = None
        return status(self.ctx, code, conn)

    def retry(self, code: str) -> list[str]:
        """Resume a failed dossier where it stopped; the job ids enqueued."""
        from workers import dossiers, queues
        from workers.submission import retry

        dossiers.state(self.ctx, code)  # an unknown dossier is bad input, whether or not Redis answers
        return retry(self.ctx, queues.connect(self.settings), code)

    def reconcile(self) -> ReconcileReport:
        """Enqueue again every unfinished dossier whose work no queue holds."""
        from workers import queues
        from workers.reconcile import reconcile

        return reconcile(self.ctx, queues.connect(self.settings))

    def run_worker(self, *, name: str | None = None, burst: bool = False) -> None:
        """Run a queue worker on sohoa's queues until stopped (or, with ``burst``, until they are empty)."""
        from workers.logs import setup_json_logging
        from workers.worker import run_worker

        setup_json_logging()
        run_worker(self.settings, name=name, burst=burst)

    # -- review ----------------------------------------------------------------------------------------

    def review_list(self, *, by: str) -> list[WaitingResult]:
        """Results waiting for review, least sure fields first (the read is audited)."""
        from workers.review import list_waiting

        return list_waiting(self.ctx.engine, by=by)

    def review_set(
        self, result: str, field: str, value: str, *, by: str, reason: str | None = None, seen: int | None = None
    ) -> Correction:
        """Correct or confirm one field; a revision is kept and the correction audited. With ``seen`` (the
        field's version the reviewer saw), ``Conflict`` when someone saved it since."""
        from workers.review import set_field

        return set_field(
            self.ctx.engine, result, field, value, by=by, audit_key=self.ctx.audit_key, reason=reason, seen=seen
        )

    def review_queue(self, agencies: Collection[str]) -> list[QueueItem]:
        """The agencies' results waiting for review in the order work is due: due date, risk, received date."""
        from workers.review_queue import queue_of

        return queue_of(self.ctx.engine, agencies)

    def review_done_today(self, agencies: Collection[str] | str) -> int:
        """How many of the agencies' results were approved today."""
        from workers.review_queue import approved_today

        return approved_today(self.ctx.engine, agencies)

    def review_workbench(self, result: str, *, by: str) -> Workbench:
        """One result with every field, its box, version and history, and its page images' sizes; audited."""
        from workers.workbench import workbench

        return workbench(self.ctx.engine, self.ctx.store, result, by=by)

    def review_claim(self, result: str, *, by: str) -> Claim:
        """Take (or renew) the claim on a result for ``by``; another reviewer's live claim is returned instead."""
        from workers.claims import take

        return take(self.ctx.engine, result, by=by)

    def review_check_claim(self, result: str, *, by: str) -> None:
        """``Conflict`` while another reviewer holds the result; else ``by``'s claim is taken or renewed."""
        from workers.claims import check

        check(self.ctx.engine, result, by=by)

    def review_release(self, result: str) -> None:
        """End the claim on a result that was approved or rejected."""
        from workers.claims import release

        release(self.ctx.engine, result)

    def review_claims(self, results: list[str]) -> dict[str, Claim]:
        """The live claims on these results (for the queue)."""
        from workers.claims import live_claims

        return live_claims(self.ctx.engine, results)

    def review_page_image(self, result: str, page: int, *, by: str) -> bytes:
        """The stored JPEG of one of the result's pages (the boxes are measured in its pixels); audited."""
        from workers.workbench import page_image

        return page_image(self.ctx.engine, self.ctx.store, result, page, by=by)

    def review_reread(self, result: str, page: int, bbox: tuple[int, int, int, int], *, by: str) -> Reread:
        """A box the reviewer drew on a page, read again by OCR; nothing saved, the read audited."""
        from workers.workbench import reread

        return reread(self.ctx.engine, self.ctx.store, result, page, bbox, by=by)

    def review_approve(
        self, result: str, *, by: str, force: bool = False, force_rules: bool = True
    ) -> tuple[Approval, list[Publication], Any]:
        """Approve a result, then publish its dossier's approved results (approval, publications, publish error)."""
        from workers.review import approve_and_publish

        return approve_and_publish(self.ctx, result, by=by, force=force, force_rules=force_rules)

    def review_reject(self, result: str, reason: str, *, by: str) -> Rejection:
        """Send a result's dossier back to the desk (``rejected``, with the reason); approvals withdrawn, audited."""
        from workers.review import reject

        return reject(self.ctx.engine, result, reason, by=by, audit_key=self.ctx.audit_key)

    def publish(self, code: str, *, by: str | None = None) -> list[Publication]:
        """Publish an approved result, or every approved result of a dossier when ``code`` is a dossier's."""
        from storage.repository import SYSTEM_ACTOR
        from storage.repository.review import clean_actor
        from workers.publish import publish_dossier, publish_result
        from workers.results import UnknownResult

        actor = clean_actor(by) if by is not None else SYSTEM_ACTOR
        try:
            return [publish_result(self.ctx, code, by=actor)]
        except UnknownResult:
            return publish_dossier(self.ctx, code, by=actor)

    # -- results ---------------------------------------------------------------------------------------

    def results_search(
        self, *, by: str, personal_id: str | None = None, number: str | None = None, sha256: str | None = None
    ) -> list[ResultSummary]:
        """Results by personal ID, document number or content hash (exactly one); the search is audited."""
        from workers.results import search_results

        return search_results(
            self.ctx.engine, personal_id=personal_id, number=number, sha256=sha256, by=by,
            audit_key=self.ctx.audit_key,
        )  # fmt: skip

    def results_show(self, code: str, *, by: str) -> ResultView:
        """One result with its fields and corrections; the read is audited."""
        from workers.results import read_result

        return read_result(self.ctx.engine, code, by=by)

    def own_results(self, personal_id: str, *, by: str) -> list[OwnResult]:
        """A citizen's results (their personal ID as an owner's), with who used each and when; audited."""
        from workers.citizen import own_results

        return own_results(self.ctx, personal_id, by=by)

    def results_export(self, code: str, out: Path, *, by: str) -> list[Path]:
        """Write a result's signed PDF (checked against its hash) and JSON into ``out``; audited."""
        self.check_out_dir(out)  # before the database is opened
        from workers.results import export_result

        return export_result(self.ctx, code, out, by=by)

    def results_url(self, code: str, *, by: str, expires_s: int | None = None) -> tuple[str, int]:
        """A short-lived download link for a result's signed PDF (S3 only) and its lifetime; audited."""
        from workers.results import result_download_url

        return result_download_url(self.ctx, code, expires_s, by=by)

    def results_attach(self, result: str, *, to: str, by: str) -> tuple[bool, list[str]]:
        """Reuse a result in a later dossier; whether it was attached now, and the dossier's reused results."""
        from workers.results import attach_result, attached_results

        created = attach_result(self.ctx, to, result, by=by)
        return created, attached_results(self.ctx.engine, to)

    def results_reuse_code(self, result: str) -> str:
        """Today's reuse code of a result, for its owner to hand to the desk (``/my`` shows it to the owner)."""
        from workers.reuse_codes import reuse_code

        return reuse_code(self.ctx, result)

    def results_attach_by_code(self, code: str, *, to: str, by: str) -> tuple[str, bool, list[str]]:
        """Reuse the result a citizen's reuse code names in dossier ``to``: (result, attached now, reused)."""
        from workers.reuse_codes import redeem

        result = redeem(self.ctx, code)
        created, codes = self.results_attach(result, to=to, by=by)
        return result, created, codes

    # -- signatures ------------------------------------------------------------------------------------

    def verify(
        self, files: list[Path], *, trust: list[Path] | None = None, offline: bool = False, at: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Each file's signatures and, for a published result, its embedded fields against this database."""
        from workers.verification import verify_files

        return verify_files(files, self.settings, trust=trust, offline=offline, at=parse_time(at))

    def extend_file(self, path: Path, out: Path | None = None) -> tuple[Path, Any]:
        """Add long-term validation data to a signed PDF file (in place without ``out``)."""
        from workers.verification import extend_file

        return extend_file(path, self.settings, out)

    def extend_results(self, codes: list[str] | None = None) -> list[tuple[str, str]]:
        """Add long-term validation data to stored results (all that lack it when ``codes`` is ``None``)."""
        from workers.publish import extend_result, pending_ltv

        targets = pending_ltv(self.ctx) if codes is None else codes
        return [(code, extend_result(self.ctx, code)) for code in targets]

    # -- the reception desk and citizens' status ------------------------------------------------------

    def receipt_secret(self, code: str) -> str:
        """The secret on a dossier's receipt, which lets its holder see its status without logging in."""
        from workers.desk import receipt_secret

        return receipt_secret(self.ctx, code)

    def public_status(self, code: str, secret: str) -> dict[str, Any]:
        """A dossier's state and dates for the holder of its receipt: no personal data."""
        from workers.desk import public_status

        return public_status(self.ctx, code, secret)

    def receipt_pdf(self, code: str, status_url: str) -> bytes:
        """The dossier's receipt as an A5 PDF (code, date, pages, secret, QR of ``status_url``): nothing kept."""
        import tempfile

        from workers.receipt import ReceiptFacts, receipt_pdf

        secret = self.receipt_secret(code)
        info = self.public_status(code, secret)
        block = self.receipt_procedure(code)
        facts = ReceiptFacts(
            agency=self.settings.agency_name,
            code=info["code"],
            received_at=dt.datetime.fromisoformat(info["received_at"]),
            pages=info["pages"]["total"],
            secret=secret,
            status_url=status_url,
            procedure=f"{block['code']} {block['name']}".strip() if block else None,
            due_on=block["due_on"] if block else None,
            components=tuple((c["name"], c["label"]) for c in block["components"]) if block else (),
        )
        with tempfile.TemporaryDirectory(prefix="receipt-", dir=self.settings.data_dir) as tmp:
            return receipt_pdf(facts, Path(tmp) / f"{code}.pdf").read_bytes()

    def receipt_procedure(self, code: str) -> dict[str, Any] | None:
        """The receipt's procedure block: name, code, due date, and each component asked for or, once
        processed, received, reused (with result codes) or missing; ``None`` when none was chosen."""
        from workers.desk import receipt_procedure

        return receipt_procedure(self.ctx, code)

    def todays_dossiers(self, agency: str) -> list[dict[str, Any]]:
        """The agency's dossiers received today, newest first."""
        from workers.desk import todays_dossiers

        return todays_dossiers(self.ctx, agency)

    def process_recorded(self, code: str) -> str:
        """Digitize a dossier already handed in (the embedded web server's background work); its final state."""
        from workers.desk import process_recorded

        return process_recorded(self.ctx, code)

    def unfinished(self) -> list[str]:
        """Dossiers received or processing: what an embedded server resumes when it starts."""
        from workers.desk import unfinished

        return unfinished(self.ctx)

    # -- accounts and access ---------------------------------------------------------------------------

    def users_add(
        self,
        username: str,
        password: str,
        *,
        roles: list[str],
        by: str,
        agency: str | None = None,
        personal_id: str | None = None,
        totp: bool = False,
    ) -> tuple[UserInfo, str | None]:
        """Create a user (argon2id hash); with ``totp`` their TOTP secret, returned once."""
        from workers.accounts import add_user

        return add_user(self.ctx, username, password, roles=roles, agency=agency, personal_id=personal_id,
                        totp=totp, by=by)  # fmt: skip

    def users_list(self) -> list[UserInfo]:
        """Every user (never a hash or a secret)."""
        from workers.accounts import list_users

        return list_users(self.ctx)

    def users_oversee(self, username: str, agencies: list[str], *, clear: bool = False, by: str) -> UserInfo:
        """Grant a supervisor the review queues of ``agencies`` (``clear``: in place of those granted); audited."""
        from workers.accounts import set_oversight

        return set_oversight(self.ctx, username, agencies, clear=clear, by=by)

    def users_disable(self, username: str, *, by: str) -> None:
        """Disable a user; their sessions and tokens end at once."""
        from workers.accounts import disable_user

        disable_user(self.ctx, username, by=by)

    def token_create(self, username: str, scopes: list[str], *, days: int, name: str, by: str) -> str:
        """A new API token (shown once) with these scopes and lifetime."""
        from workers.accounts import create_token

        return create_token(self.ctx, username, scopes, days=days, name=name, by=by)

    def token_revoke(self, token_id: int, *, by: str) -> bool:
        """Revoke an API token by id."""
        from workers.accounts import revoke_token

        return revoke_token(self.ctx, token_id, by=by)

    def first_admin(self) -> str | None:
        """With no user yet, create ``admin``; the generated password (to print once), if one was generated."""
        from workers.accounts import ensure_first_admin

        return ensure_first_admin(self.ctx)

    def login(self, username: str, password: str, totp_code: str | None = None) -> tuple[str, str, Principal]:
        """A new session for a correct password (and TOTP code): its id, CSRF token and principal."""
        from workers.accounts import login

        return login(self.ctx, username, password, totp_code)

    def oidc_enabled(self) -> bool:
        """Whether logging in through the agency's OIDC provider is offered (``SOHOA_OIDC_*``)."""
        from workers.oidc import enabled

        return enabled(self.settings)

    def oidc_start(self, redirect_uri: str) -> OidcStart:
        """Begin an OIDC login: the provider URL to send the browser to, and what its callback must match."""
        from workers.oidc import start

        return start(self.settings, redirect_uri)

    def oidc_finish(
        self, redirect_uri: str, *, code: str, state: str, pending: dict[str, str]
    ) -> tuple[str, str, Principal]:
        """Finish an OIDC login (``pending``: the ``state``, ``nonce`` and ``verifier`` its start made): a new
        session for the local account the provider vouches for."""
        from workers.accounts import login_verified
        from workers.oidc import OidcStart, finish

        begun = OidcStart("", pending.get("state", ""), pending.get("nonce", ""), pending.get("verifier", ""))
        username = finish(self.settings, redirect_uri, code=code, state=state, begun=begun)
        return login_verified(self.ctx, username, via="oidc")

    def logout(self, session_id: str) -> None:
        """End a session."""
        from workers.accounts import logout

        logout(self.ctx, session_id)

    def session_principal(self, session_id: str) -> tuple[Principal, str] | None:
        """Who a session cookie belongs to, and its CSRF token; ``None`` when it is not live."""
        from workers.accounts import session_principal

        return session_principal(self.ctx, session_id)

    def token_principal(self, token: str) -> Principal | None:
        """Who an API token acts for (limited to its scopes); ``None`` when it is not live."""
        from workers.accounts import token_principal

        return token_principal(self.ctx, token)

    def require(self, principal: Principal, *roles: str, scope: str) -> None:
        """``Forbidden`` unless the principal holds one of ``roles`` (and, with a token, ``scope``)."""
        from workers.accounts import require

        require(principal, *roles, scope=scope)

    def require_approver(self, principal: Principal) -> None:
        """Approving needs the ``approver`` role (or ``admin``), unless the settings let reviewers approve."""
        roles = ("approver", "admin") if self.settings.approval_needs_approver else ("reviewer", "approver", "admin")
        self.require(principal, *roles, scope="review")

    def check_dossier_access(self, principal: Principal, code: str) -> None:
        """``Forbidden`` unless the principal is staff of the dossier's agency; unknown codes are 404s."""
        from workers.accounts import check_dossier

        check_dossier(self.ctx, principal, code)

    def check_review_access(self, principal: Principal, code: str) -> None:
        """``Forbidden`` unless the result belongs to the principal's agency or one they oversee (the caller
        checked the reviewing role); unknown codes are 404s."""
        from workers.accounts import check_review

        check_review(self.ctx, principal, code)

    def check_result_access(self, principal: Principal, code: str) -> None:
        """``Forbidden`` unless the principal is staff of the result's agency or the citizen it belongs to."""
        from sohoa.errors import Forbidden
        from workers.accounts import may_see_result
        from workers.results import show_result

        view = show_result(self.ctx.engine, code)  # not audited: nothing is shown before access is granted
        if not may_see_result(self.ctx, principal, view.dossier, view.fields):
            raise Forbidden(f"không có quyền xem kết quả {code}")

    def results_pdf(self, code: str, *, by: str) -> tuple[str, bytes]:
        """A result's signed PDF bytes (checked against its recorded hash) and file name; audited."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="export-", dir=self.settings.data_dir) as tmp:
            paths = self.results_export(code, Path(tmp), by=by)
            pdf = next(p for p in paths if p.suffix == ".pdf")
            return pdf.name, pdf.read_bytes()

    # -- audit and storage -----------------------------------------------------------------------------

    def audit_verify(self) -> AuditVerdict:
        """Recompute the audit chain, check its seals and the digests in its payloads."""
        from workers.audit import verify_log

        return verify_log(self.ctx)

    def audit_seal(self) -> Sealed:
        """Sign the head of the audit log with the agency key now."""
        from workers.seals import seal_now

        return seal_now(self.ctx)

    def audit_pdf(self, path: Path) -> PdfTie:
        """Tie a published PDF's embedded fields to the log's publication entry."""
        from workers.audit import tie_pdf_to_log

        return tie_pdf_to_log(self.ctx, path)

    def audit_log(self, *, subject: str | None = None, after: int = 0, limit: int = 100) -> list[Any]:
        """Audit entries in order, optionally about one code."""
        from workers.audit import entries

        return entries(self.ctx, subject=subject, after=after, limit=limit)

    def storage_check(self, *, quick: bool = False) -> CheckReport:
        """Every object the database names, checked in the store (re-hashed unless ``quick``), and orphans."""
        from storage.check import check_store

        return check_store(self.ctx.store, self.ctx.engine, rehash=not quick)


@contextmanager
def opened(settings: Settings | None = None) -> Iterator[Service]:
    """A ``Service`` for one command: closed (audit sealed when due, connections closed) afterwards."""
    service = Service(settings or settings_from_env())
    try:
        yield service
    finally:
        service.close()
