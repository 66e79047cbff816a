"""``sohoa audit verify``: the chain, its seals and the digests in its payloads, in one streaming pass.

What is checked, and what each check catches:

1. **The chain** (``storage.repository.audit.verify_audit``): an entry edited, deleted, inserted or cut
   from the end, unless someone also recomputed every hash after it.
2. **The seals** (``workers.seals``): each seal's CMS signature must cover its own content (a seal edited
   in the database fails), be made by a certificate that chains to ``SOHOA_TRUST_ROOTS`` (the development
   key is accepted only when this installation signs with it, and is reported as "dev key"), and the
   hash it sealed must still be the chain's hash at its ``seq``. A recomputed chain fails here: the
   entries between the last seal that still matches and the first that does not were rewritten.
   Entries after the last seal are the unsealed tail, reported with their number.
3. **The digests** (``storage.audit_digest``), with the installation's audit key: each ``field.corrected``
   entry's digests must match the values in its revision row (a revision rewritten behind sohoa's back
   fails); each ``result.published`` entry's field-set digest must match the result's fields now (a
   published value changed in the database fails) and the digest of the approval it follows (a result
   published with fields other than those approved fails; that check needs no key). Entries made with
   another key, or without the key file, are counted as skipped.

Memory stays flat: entries and seals are read in batches, side by side, and the payload checks are done
a batch at a time; only approvals not yet published are kept until their publication is seen.

``tie_pdf_to_log`` (``sohoa audit pdf``) goes the other way: from a published PDF's embedded fields to the
``result.published`` entry that carries their digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sohoa.errors import BadInput, SigningError
from sohoa.settings import Settings
from storage import repository
from storage.audit_digest import AuditKey, approved_fields_digest, field_value_digest, load_audit_key
from storage.db import session_scope
from storage.repository.audit import AuditReport, verify_audit
from storage.repository.seals import Seal, iter_seals
from workers.context import Context
from workers.publish import fields_digest

MAX_PROBLEMS = 50
_BATCH = 500


@dataclass(frozen=True)
class AuditVerdict:
    """The chain's report, plus what the seals and the digests say."""

    chain: AuditReport
    seals: int = 0
    valid_seals: int = 0
    last_sealed_seq: int = 0
    signers: list[str] = field(default_factory=list)
    trust: list[str] = field(default_factory=list)  # "trusted" and/or "dev key", for the valid seals
    digests_checked: int = 0
    digests_skipped: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)  # {"seq", "problem"}, in log order

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    @property
    def unsealed_tail(self) -> int:
        """Entries after the last seal that still matches the chain."""
        return max(self.chain.last_seq - self.last_sealed_seq, 0)

    def first_problem(self) -> tuple[int | None, str | None]:
        """The problem to name first: the chain's own, else the earliest of the seals and digests."""
        if not self.chain.ok:
            return self.chain.broken_seq, self.chain.problem
        if self.problems:
            return self.problems[0]["seq"], self.problems[0]["problem"]
        return None, None

    def to_dict(self) -> dict[str, Any]:
        broken_seq, problem = self.first_problem()
        return {
            **self.chain.to_dict(),
            "ok": self.ok,
            "broken_seq": broken_seq,
            "problem": problem,
            "seals": {
                "count": self.seals,
                "valid": self.valid_seals,
                "last_sealed_seq": self.last_sealed_seq,
                "signers": self.signers,
                "trust": self.trust,
            },
            "unsealed_tail": self.unsealed_tail,
            "digests": {"checked": self.digests_checked, "skipped": self.digests_skipped},
            "problems": self.problems,
        }


def trust_for_seals(settings: Settings) -> tuple[list[Any], bool]:
    """The roots a seal's signer must chain to, and whether development-key seals are acceptable (only when
    this installation signs with the development key, whose root is then trusted too)."""
    from signing.keys import signer_kind
    from signing.ltv import load_roots

    roots = load_roots(settings.trust_roots)
    try:
        development = signer_kind(settings) == "dev"
    except SigningError:  # no key configured here: checking seals needs none, and trusts no development seal
        development = False
    dev_root = settings.keys_dir / "dev-signer" / "root.pem"
    if development and dev_root.is_file():
        roots += load_roots([dev_root])
    return roots, development


def verify_log(ctx: Context) -> AuditVerdict:
    """Check the chain, every seal and the payload digests (see the module docstring)."""
    roots, development = trust_for_seals(ctx.settings)
    key = load_audit_key(ctx.settings.audit_key_path, create=False)
    with session_scope(ctx.engine) as session:
        checker = _Checker(session, roots, development, key)
        chain = verify_audit(session, observe=checker.entry)
        checker.finish(chain)
    return checker.verdict(chain)


class _Checker:
    """Walks beside the chain: seals in ``seq`` order, and payloads to check against their rows."""

    def __init__(self, session: Session, roots: list[Any], development: bool, key: AuditKey | None) -> None:
        self.session, self.roots, self.development, self.key = session, roots, development, key
        self.seals: Iterator[Seal] = iter_seals(session)
        self.next_seal = next(self.seals, None)
        self.count = self.valid = self.last_sealed = self.checked = self.skipped = 0
        self.signers: dict[str, None] = {}
        self.trust: dict[str, None] = {}
        self.problems: list[dict[str, Any]] = []
        self.approved: dict[str, tuple[int, str]] = {}  # result -> (seq, digest) of its pending approval
        self.revisions: list[tuple[int, str, dict[str, Any]]] = []
        self.published: list[tuple[int, str, str]] = []

    def problem(self, seq: int, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"seq": seq, "problem": text})

    # --- seals ---

    def entry(self, row: Any) -> None:
        """Called for each intact entry, in order."""
        while self.next_seal is not None and self.next_seal.seq <= row.seq:
            self._check_seal(self.next_seal, row.hash if self.next_seal.seq == row.seq else None)
            self.next_seal = next(self.seals, None)
        self._payload(row)

    def _check_seal(self, seal: Seal, chain_hash: str | None) -> None:
        """One seal against the chain's hash at its ``seq`` (``None``: the log has no such entry)."""
        from signing.detached import check_detached

        self.count += 1
        check = check_detached(seal.content(), seal.cms, trust_roots=self.roots, at=seal.sealed_at)
        problem = self._seal_problem(seal, chain_hash, check)
        if problem is not None:
            at = seal.sealed_at.astimezone(UTC).isoformat(timespec="seconds")
            self.problem(seal.seq, f"seal {seal.id} of entry {seal.seq} ({at}){problem}")
            return
        self.valid += 1
        self.last_sealed = seal.seq
        self.signers[check.signer] = None
        self.trust["dev key" if check.development else "trusted"] = None

    def _seal_problem(self, seal: Seal, chain_hash: str | None, check: Any) -> str | None:
        if not check.intact:
            return ": its signature does not cover it (the seal was changed)"
        if chain_hash is None:
            return f": the log has no entry {seal.seq}"
        if seal.hash != chain_hash:
            return (
                f" no longer matches the chain: entries {self.last_sealed + 1} to {seal.seq} were rewritten and "
                "their hashes recomputed after they were sealed"
            )
        if check.development and not self.development:
            return ": made with the development key, but this installation signs with a real key"
        if not check.trusted:
            return f": its signer {check.signer!r} is not trusted (SOHOA_TRUST_ROOTS)"
        if check.problems:
            return f": {'; '.join(check.problems)}"
        return None

    # --- payloads ---

    def _payload(self, row: Any) -> None:
        payload, subject = row.payload, row.subject
        if row.action == "result.approved" and "fields_hmac" in payload:
            self.approved[subject] = (row.seq, payload["fields_hmac"])
        elif row.action == "result.reopened":
            self.approved.pop(subject, None)
        elif row.action == "result.published" and "fields_hmac" in payload:
            approved = self.approved.pop(subject, None)
            if approved is not None and approved[1] != payload["fields_hmac"]:
                self.problem(
                    row.seq,
                    f"entry {row.seq}: {subject} was published with fields other than those approved at entry "
                    f"{approved[0]}",
                )
            if self._usable(payload):
                self.published.append((row.seq, subject, payload["fields_hmac"]))
        elif row.action == "field.corrected" and "new_hmac" in payload and self._usable(payload):
            self.revisions.append((row.seq, subject, payload))
        if len(self.revisions) + len(self.published) >= _BATCH:
            self._flush()

    def _usable(self, payload: dict[str, Any]) -> bool:
        if self.key is not None and payload.get("hmac_key") == self.key.id:
            return True
        self.skipped += 1
        return False

    def _flush(self) -> None:
        key = self.key
        if key is None:
            return
        ids = [p["revision"] for _, _, p in self.revisions if isinstance(p.get("revision"), int)]
        rows = repository.revisions_by_id(self.session, ids)
        for seq, subject, payload in self.revisions:
            self.checked += 1
            rev = rows.get(payload.get("revision"))  # type: ignore[arg-type]
            if rev is None or rev.result_code != subject:
                self.problem(seq, f"entry {seq}: revision {payload.get('revision')} of {subject} is missing")
                continue
            old = field_value_digest(key, rev.result_code, rev.key, rev.position, rev.old_value)
            new = field_value_digest(key, rev.result_code, rev.key, rev.position, rev.new_value)
            if (old, new) != (payload.get("old_hmac"), payload["new_hmac"]):
                self.problem(seq, f"entry {seq}: revision {rev.id} of {subject} does not hold the values it recorded")
        codes = sorted({code for _, code, _ in self.published})
        documents = {d.code: d for d in repository.documents_by_codes(self.session, codes, with_fields=True)}
        for seq, code, digest in self.published:
            self.checked += 1
            document = documents.get(code)
            if document is None:
                self.problem(seq, f"entry {seq}: the published result {code} is missing")
            elif fields_digest(key, code, repository.fields_of(document)) != digest:
                self.problem(seq, f"entry {seq}: the fields of {code} are not those it was published with")
        self.revisions, self.published = [], []
        self.session.expunge_all()

    def finish(self, chain: AuditReport) -> None:
        """Seals beyond the last intact entry, and the payloads still waiting."""
        if chain.ok:
            while self.next_seal is not None:
                self._check_seal(self.next_seal, None)
                self.next_seal = next(self.seals, None)
        self._flush()
        self.problems.sort(key=lambda p: p["seq"])

    def verdict(self, chain: AuditReport) -> AuditVerdict:
        return AuditVerdict(
            chain=chain,
            seals=self.count,
            valid_seals=self.valid,
            last_sealed_seq=self.last_sealed,
            signers=list(self.signers),
            trust=list(self.trust),
            digests_checked=self.checked,
            digests_skipped=self.skipped,
            problems=self.problems,
        )


@dataclass(frozen=True)
class PdfTie:
    """Whether a published PDF's embedded fields are the ones the log says were published for its result."""

    result: str
    digest: str | None  # None without the audit key
    entries: list[int]  # ``result.published`` entries of that result carrying this digest

    @property
    def ok(self) -> bool:
        return bool(self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "result": self.result, "fields_hmac": self.digest, "entries": self.entries}


def tie_pdf_to_log(ctx: Context, path: Path) -> PdfTie:
    """Compute the keyed digest of ``path``'s embedded approved fields and find the ``result.published`` entry
    that carries it: the auditor's check that the published PDF holds what the log recorded."""
    from signing.approval import read_embedded_fields

    embedded = read_embedded_fields(path)
    if embedded is None or not isinstance(embedded.get("fields"), dict) or not embedded.get("result"):
        raise BadInput("tệp không có dữ liệu đã duyệt được nhúng (chưa công bố?)", file=str(path))
    code = str(embedded["result"])
    key = load_audit_key(ctx.settings.audit_key_path, create=False)
    if key is None:
        return PdfTie(code, None, [])
    digest = approved_fields_digest(key, code, embedded["fields"])
    with session_scope(ctx.engine) as session:
        published = [e for e in repository.load_audit(session, subject=code) if e.action == "result.published"]
    return PdfTie(code, digest, [e.seq for e in published if e.payload.get("fields_hmac") == digest])


def entries(ctx: Context, *, subject: str | None = None, after: int = 0, limit: int = 100) -> list[Any]:
    """Audit entries in order (after entry number ``after``, at most ``limit``), optionally about one code."""
    with session_scope(ctx.engine) as session:
        return list(repository.load_audit(session, subject=subject, after=after, limit=limit))
