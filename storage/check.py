"""The scrubber behind ``sohoa storage check``: every stored object against the database.

Why: a disk or an S3 server can lose or rot bytes silently, and someone can delete or overwrite an
object around sohoa. Reads already re-hash, but a result nobody downloads for years would only be
found broken when a citizen needs it. So, Paperless' sanity checker style, walk it all:

- **missing**: the database names an object the store does not have (an original, a signed PDF, a
  page image, the result JSON of a finished dossier);
- **corrupt**: the bytes do not hash to what the store recorded, or the store's record differs from
  the sha256 the database holds (the object was replaced);
- **orphaned**: an object no database row refers to (a crash between store and record, a pruned
  document, or something put there by hand). Reported, never deleted: deciding is a person's job.

The database is the reference: its sha256 of an original or a signed PDF was recorded when the
object was stored. ``rehash=False`` compares records only (one HEAD per object, no bytes read).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, select

from sohoa.errors import IntegrityError
from storage import keys
from storage.db import session_scope
from storage.objects import ObjectMissing, ObjectStore
from storage.states import FINISHED_STATES
from storage.tables import DocumentRow, DossierRow, PageRow, SourceRow

FindingKind = Literal["missing", "corrupt", "orphaned"]
# A dossier in these states went through the store stage, so its result JSON must exist.
_STORED_STATES = FINISHED_STATES


@dataclass(frozen=True)
class Expected:
    """An object the database refers to: its key, the sha256 recorded (if any), whose it is."""

    key: str
    sha256: str | None
    owner: str
    what: str
    required: bool = True


@dataclass(frozen=True)
class Finding:
    """One problem: what kind, which object, whose, and the detail."""

    kind: FindingKind
    key: str
    owner: str | None
    detail: str


@dataclass
class CheckReport:
    """What a check found. ``ok`` when there is no finding (store warnings do not count)."""

    store: dict[str, Any]
    expected: int = 0
    listed: int = 0
    verified: int = 0
    bytes_hashed: int = 0
    rehash: bool = True
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def problem_lines(self) -> list[str]:
        """One plain line per finding, for a terminal."""
        return [f"{f.kind:<9} {f.key}{f' ({f.owner})' if f.owner else ''}: {f.detail}" for f in self.findings]

    def counts(self) -> dict[str, int]:
        return {kind: sum(f.kind == kind for f in self.findings) for kind in ("missing", "corrupt", "orphaned")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "store": self.store,
            "expected": self.expected,
            "listed": self.listed,
            "verified": self.verified,
            "bytes_hashed": self.bytes_hashed,
            "rehash": self.rehash,
            "counts": self.counts(),
            "findings": [asdict(f) for f in self.findings],
        }


def expected_objects(engine: Engine) -> dict[str, Expected]:
    """Every object key the database refers to, with the sha256 it recorded where it did."""
    found: dict[str, Expected] = {}

    def add(item: Expected) -> None:
        known = found.get(item.key)
        if known is None or (known.sha256 is None and item.sha256) or (item.required and not known.required):
            found[item.key] = item

    with session_scope(engine) as session:
        codes: dict[int, str] = {row.id: row.code for row in session.execute(select(DossierRow.id, DossierRow.code))}
        for code, state in session.execute(select(DossierRow.code, DossierRow.state)):
            add(Expected(keys.result_json_key(code), None, code, "result JSON", required=state in _STORED_STATES))
        for dossier_id, key, digest in session.execute(
            select(SourceRow.dossier_id, SourceRow.object_key, SourceRow.sha256)
        ):
            add(Expected(key, digest, codes.get(dossier_id, "?"), "original"))
        documents = select(DocumentRow.code, DocumentRow.pdf_key, DocumentRow.pdf_sha256, DocumentRow.signature)
        for code, key, digest, signature in session.execute(documents.where(DocumentRow.pdf_key.is_not(None))):
            add(Expected(key, digest, code, "signed PDF"))
            earlier = (signature or {}).get("digitized_pdf") or {}
            if earlier.get("key"):  # a published result keeps its digitization-only PDF as the earlier version
                add(Expected(earlier["key"], earlier.get("sha256"), code, "digitized PDF"))
        for dossier_id, number, key in session.execute(
            select(PageRow.dossier_id, PageRow.number, PageRow.image_key).where(PageRow.image_key.is_not(None))
        ):
            owner = codes.get(dossier_id, "?")
            add(Expected(key, None, owner, "page image"))
            grey = keys.page_grey_image_key(owner, number)  # optional: kept for second readings
            add(Expected(grey, None, owner, "page grey image", required=False))
    return found


def check_store(store: ObjectStore, engine: Engine, *, rehash: bool = True) -> CheckReport:
    """Compare the store with the database; see the module docstring for what each finding means."""
    expected = expected_objects(engine)
    listed = set(store.iter_keys())
    # an optional object (a page's grey image) counts only when it is there
    counted = sum(item.required or key in listed for key, item in expected.items())
    report = CheckReport(store=store.describe(), expected=counted, rehash=rehash)
    report.listed = len(listed)
    for key in sorted(listed - expected.keys()):
        report.findings.append(Finding("orphaned", key, None, "no database row refers to this object"))
    with tempfile.TemporaryDirectory(prefix="sohoa-check-") as scratch:
        for item in sorted(expected.values(), key=lambda e: e.key):
            if item.key not in listed:
                if item.required:
                    report.findings.append(Finding("missing", item.key, item.owner, f"{item.what} is not stored"))
                continue
            problem = _verify(store, item, Path(scratch), report, rehash=rehash)
            if problem is not None:
                report.findings.append(problem)
    return report


def _verify(store: ObjectStore, item: Expected, scratch: Path, report: CheckReport, *, rehash: bool) -> Finding | None:
    """One object: its record against the database, then (``rehash``) its bytes against its record."""
    try:
        info = store.stat(item.key)
        if info is None:  # deleted between the listing and now
            return Finding("missing", item.key, item.owner, f"{item.what} is not stored")
        if item.sha256 and info.sha256 != item.sha256:
            return Finding(
                "corrupt",
                item.key,
                item.owner,
                f"{item.what}: stored sha256 {info.sha256[:12] or 'none'}… is not the recorded {item.sha256[:12]}…",
            )
        if rehash:
            tmp = scratch / "object"
            try:
                store.download(item.key, tmp)
                report.bytes_hashed += info.size
            finally:
                tmp.unlink(missing_ok=True)
        report.verified += 1
    except ObjectMissing:
        return Finding("missing", item.key, item.owner, f"{item.what} is not stored")
    except IntegrityError as exc:
        return Finding("corrupt", item.key, item.owner, f"{item.what}: {exc.message}")
    return None
