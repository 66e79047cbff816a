"""Reception against a procedure: which component each classified document fulfils, what is missing,
extra or duplicated, and which missing components an existing result could stand for.

Pure logic over plain data, so the desk, ``sohoa process --procedure`` and the benchmark share it. A
missing required component is a finding for the clerk, never a refusal: the clerk decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.procedure_catalogue import Component, Procedure

REUSABLE_STATES = frozenset({"approved", "published"})
BLANK_FINDINGS = frozenset({"blank_page", "no_text"})  # the page findings of a sheet with nothing on it


@dataclass(frozen=True)
class Present:
    """A document of the dossier as reception sees it: code, classified type, printed form code."""

    code: str
    type: str
    form_code: str | None = None
    blank: bool = False  # every page blank: nothing was read, so it fills no component


@dataclass(frozen=True)
class Candidate:
    """An existing result (another dossier's) that might stand for a component: its code, type, state."""

    code: str
    type: str
    state: str
    dossier: str = ""


@dataclass
class ComponentStatus:
    """One component's outcome: the documents and reused results filling it, and what could fill it."""

    component: Component
    documents: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    reusable: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return len(self.documents) + len(self.reused)

    @property
    def status(self) -> str:
        """received, reused, partial (some copies), missing, or not_given (a conditional one absent)."""
        c = self.component
        if self.filled >= c.copies:
            return "received" if not self.reused else "reused"
        if self.filled:
            return "partial"
        return "missing" if c.required else "not_given"

    def to_dict(self) -> dict[str, Any]:
        return self.component.to_dict() | {
            "status": self.status,
            "documents": self.documents,
            "reused": self.reused,
            "reusable": self.reusable,
        }


@dataclass
class Reception:
    """The dossier against its procedure: per component, the missing ones, and documents it did not ask for."""

    procedure: Procedure
    components: list[ComponentStatus]
    extra: list[str]
    duplicates: dict[str, str]  # document code -> the component it repeats
    assignment: dict[str, str]  # document code -> component key

    @property
    def missing(self) -> list[str]:
        """Keys of required components not (fully) received nor reused."""
        return [s.component.key for s in self.components if s.component.required and s.filled < s.component.copies]

    @property
    def complete(self) -> bool:
        return not self.missing

    def findings(self) -> list[dict[str, str]]:
        """What the clerk should look at, in Vietnamese: missing components (with reusable results), extras."""
        out = []
        for s in self.components:
            if s.component.key not in self.missing:
                continue
            short = s.component.copies - s.filled
            message = f"thiếu {short} bản: {s.component.name}"
            if s.reusable:
                message += f" (có thể dùng lại kết quả {', '.join(s.reusable)})"
            out.append(
                {"code": "missing_component", "severity": "warning", "component": s.component.key, "message": message}
            )
        for code, key in self.duplicates.items():
            out.append(
                {
                    "code": "duplicate_document",
                    "severity": "info",
                    "document": code,
                    "component": key,
                    "message": f"{code}: thừa bản của thành phần {key}",
                }
            )
        for code in self.extra:
            out.append(
                {
                    "code": "extra_document",
                    "severity": "info",
                    "document": code,
                    "message": f"{code}: không thuộc thành phần nào của thủ tục",
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``procedure`` object of the result JSON (``sohoa.result/1``, additive)."""
        return {
            "code": self.procedure.code,
            "name": self.procedure.name,
            "level": self.procedure.level,
            "processing_days": self.procedure.processing_days,
            "complete": self.complete,
            "components": [s.to_dict() for s in self.components],
            "missing": self.missing,
            "extra": self.extra,
            "duplicates": [{"document": d, "component": k} for d, k in self.duplicates.items()],
            "findings": self.findings(),
        }


def fits(component: Component, doc: Present) -> bool:
    """Whether ``doc`` can fill ``component``: it was read (not blank pages), its type is accepted and its form
    code, when read, is one asked for. A blank sheet filed as "other" must not show as a received component."""
    if doc.blank or doc.type not in component.types:
        return False
    return not (component.form_codes and doc.form_code and doc.form_code.upper() not in component.form_codes)


def _match(slots: list[Component], docs: list[Present]) -> dict[int, int]:
    """Maximum matching of documents onto component copies (Kuhn's augmenting paths): doc index -> slot index.
    A greedy pass would let a loose component (any confirmation) take the one document a strict one needs."""
    slot_of: dict[int, int] = {}
    doc_in: dict[int, int] = {}

    def augment(d: int, seen: set[int]) -> bool:
        for s, comp in enumerate(slots):
            if s in seen or not fits(comp, docs[d]):
                continue
            seen.add(s)
            if s not in doc_in or augment(doc_in[s], seen):
                doc_in[s] = d
                slot_of[d] = s
                return True
        return False

    for d in range(len(docs)):
        augment(d, set())
    return slot_of


def receive(
    procedure: Procedure,
    documents: Iterable[Present],
    *,
    attached: Iterable[Candidate] = (),
    candidates: Iterable[Candidate] = (),
) -> Reception:
    """Map ``documents`` (and results ``attached`` to the dossier for reuse) onto the procedure's components;
    suggest, for each reusable component still short, the ``candidates`` (same person's results) that fit."""
    docs = list(documents)
    reused = [Present(c.code, c.type) for c in attached]
    slots = [c for c in procedure.components for _ in range(c.copies)]
    statuses = {c.key: ComponentStatus(c) for c in procedure.components}
    assignment: dict[str, str] = {}
    everything = docs + reused
    for d, s in sorted(_match(slots, everything).items()):
        key = slots[s].key
        if d < len(docs):
            statuses[key].documents.append(docs[d].code)
            assignment[docs[d].code] = key
        else:
            statuses[key].reused.append(everything[d].code)
    extra, duplicates = [], {}
    for doc in docs:
        if doc.code in assignment:
            continue
        home = next((c.key for c in procedure.components if fits(c, doc)), None)
        if home is None:
            extra.append(doc.code)
        else:
            duplicates[doc.code] = home
    used = {c.code for c in attached}
    for s in statuses.values():
        if s.component.reusable and s.filled < s.component.copies:
            s.reusable = [
                c.code
                for c in candidates
                if c.code not in used and c.state in REUSABLE_STATES and c.type in s.component.types
            ]
    return Reception(procedure, list(statuses.values()), extra, duplicates, assignment)


def present_documents(result: dict[str, Any]) -> list[Present]:
    """The documents of a result JSON (``sohoa.result/1``) as reception sees them."""
    blank_pages = {
        p["number"] for p in result.get("pages", []) if {f["code"] for f in p.get("findings", [])} & BLANK_FINDINGS
    }
    out = []
    for doc in result.get("documents", []):
        form = doc.get("fields", {}).get("form_code")
        value = form.get("value") if isinstance(form, dict) else None
        blank = bool(doc.get("pages")) and set(doc["pages"]) <= blank_pages
        out.append(Present(doc["code"], doc["type"], str(value).strip() if value else None, blank))
    return out


def personal_ids(result: dict[str, Any]) -> list[str]:
    """The personal IDs read in a result JSON, in document order, once each: whose earlier results to look up."""
    found: list[str] = []
    for doc in result.get("documents", []):
        value = doc.get("fields", {}).get("personal_id")
        for f in value if isinstance(value, list) else [value]:
            v = f.get("value") if isinstance(f, dict) else None
            if v and str(v) not in found:
                found.append(str(v))
    return found
