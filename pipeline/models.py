"""Typed data passed between stages: plain, picklable dataclasses with no back-references.

A page's context and results can travel to a worker process or a queue job as they are, and every
result turns into the JSON of ``sohoa.result/1`` through ``to_dict``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SourceKind = Literal["pdf", "tiff", "jpeg", "png"]
FieldStatus = Literal["extracted", "needs_review", "corrected"]
BBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Source:
    """One input file of a dossier, validated and hashed at ingest."""

    path: Path  # the file as given: stored byte-exact
    readable: Path  # what the page stage reads: the same file, or a repaired/decrypted copy
    filename: str
    sha256: str
    kind: SourceKind
    size: int
    page_count: int
    notes: tuple[str, ...] = ()  # e.g. "repaired", "decrypted (owner password only)"
    signatures: int = 0  # digital signatures found in a PDF (pipeline.pdf_traits)
    active_content: tuple[str, ...] = ()  # JavaScript, open actions, embedded files...: never passed through

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filename": self.filename,
            "sha256": self.sha256,
            "kind": self.kind,
            "size": self.size,
            "page_count": self.page_count,
            "notes": list(self.notes),
        }
        if self.signatures or self.active_content:
            out["signatures"] = self.signatures
            out["active_content"] = list(self.active_content)
        return out

    @property
    def traits(self) -> dict[str, Any]:
        """What the database keeps of the PDF's trust-relevant content (``dossier_sources.traits``)."""
        return {"signatures": self.signatures, "active_content": list(self.active_content)}


@dataclass(frozen=True)
class PageRef:
    """Which page of which source: enough for any process to rasterize it again."""

    number: int  # 1-based within the dossier
    source_index: int  # index into the dossier's sources
    source_path: Path
    source_kind: SourceKind
    index_in_source: int  # 0-based page or frame index inside that file


@dataclass(frozen=True)
class Word:
    """One recognized word; bbox in pixels of the output (upright, deskewed) page image."""

    text: str
    bbox: BBox
    confidence: float  # 0-1
    line: int  # line id, unique within the page (reading order)
    block: int = 0


@dataclass
class PageResult:
    """Everything known about one page after clean + OCR; kept so a dossier can resume."""

    number: int
    source: str  # source filename
    dpi: int
    dpi_estimated: bool
    width: int
    height: int
    rotation: int  # degrees clockwise applied to make the page upright: 0, 90, 180, 270
    skew: float  # degrees corrected
    image_path: Path  # the colour page, upright and deskewed, as JPEG
    words: list[Word] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    ocr_confidence: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    source_index: int = 0  # which of the dossier's sources (two inputs may share a file name)
    secrecy: str | None = None  # a secrecy mark found on the page ("MẬT", "TỐI MẬT", "TUYỆT MẬT")
    cell_rules: list[tuple[int, int, int]] = field(default_factory=list)  # vertical table rules: (x, top, bottom)

    @property
    def text(self) -> str:
        """Page text, one line per OCR line, words joined by spaces."""
        lines: dict[int, list[str]] = {}
        for w in self.words:
            lines.setdefault(w.line, []).append(w.text)
        return "\n".join(" ".join(ws) for _, ws in sorted(lines.items()))

    def to_json(self) -> dict[str, Any]:
        """Lossless form for the page cache (resume)."""
        data = asdict(self)
        data["image_path"] = str(self.image_path)
        data["words"] = [[w.text, list(w.bbox), w.confidence, w.line, w.block] for w in self.words]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageResult:
        data = dict(data)
        data["image_path"] = Path(data["image_path"])
        data["words"] = [Word(t, tuple(b), c, ln, bl) for t, b, c, ln, bl in data["words"]]  # type: ignore[arg-type]
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The page entry of the result JSON."""
        return {
            "number": self.number,
            "source": self.source,
            "dpi": self.dpi,
            "dpi_estimated": self.dpi_estimated,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "skew": round(self.skew, 2),
            "findings": self.findings,
            "ocr_confidence": round(self.ocr_confidence, 3),
            "word_count": len(self.words),
        }


@dataclass
class FieldValue:
    """One extracted field, in the shape DESIGN.md fixes for the result JSON."""

    value: str | None
    raw: str | None
    confidence: float
    page: int | None
    bbox: BBox | None
    status: FieldStatus = "extracted"
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "raw": self.raw,
            "confidence": round(self.confidence, 3),
            "page": self.page,
            "bbox": list(self.bbox) if self.bbox else None,
            "status": self.status,
            "reasons": list(self.reasons),
        }


@dataclass
class DocumentResult:
    """One component document of the dossier: its pages and fields."""

    index: int  # 1-based
    type: str
    pages: list[int]
    fields: dict[str, FieldValue | list[FieldValue]] = field(default_factory=dict)
