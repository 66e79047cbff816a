"""Whether sohoa may approve a result by itself: only what it read well, from pages it could read.

Auto-approval means the agency signs "these fields are right" with nobody having looked. That is only
defensible when the machine's reading is sound from end to end, so a result goes to a reviewer when any
of these holds (each is a reason code kept with the result and shown in its JSON):

- ``no_fields``: nothing was read, so nothing could be checked;
- ``type_other``: the document was not recognized as any known type;
- ``blank_page`` / ``repaired_source`` / ``low_ocr_confidence``: one of its pages is blank, comes from a
  damaged file that had to be rebuilt, or was read with a low mean OCR confidence (a page turned the
  wrong way reads at ~0.5; a clean scan at ~0.9);
- ``reception_finding``: the reception check raised a warning or an error on one of its pages (blur,
  cut edge, low resolution, unfixable skew...); notes (``info``) such as "rotated, turned back" do not count;
- ``missing_required_field`` / ``fields_need_review``: a required field is missing, or any field was
  flagged by the field review;
- ``signed_input``: the result is a signed file passed through as it was: sohoa did not render it;
- ``disabled``: auto-approval is switched off (``SOHOA_AUTO_APPROVE=false``).

The same page problems also put every field read from such a page in review (``page_unreadable``): a
page sohoa could not read never yields an ``extracted`` field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.models import DocumentResult, FieldValue, PageResult

__all__ = ["Verdict", "flag_unreadable_pages", "judge", "page_problems"]

LOW_OCR_CONFIDENCE = 0.7
BLOCKING_SEVERITIES = frozenset({"warning", "error"})
PAGE_UNREADABLE = "page_unreadable"


@dataclass(frozen=True)
class Verdict:
    """``automatic`` when sohoa may approve the result; else the reasons, in a stable order."""

    automatic: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"automatic": self.automatic, "reasons": list(self.reasons)}


def page_problems(page: PageResult, *, repaired: bool, min_confidence: float = LOW_OCR_CONFIDENCE) -> list[str]:
    """Why a page's reading cannot be trusted without a reviewer (empty: it can)."""
    problems = []
    codes = {f["code"] for f in page.findings}
    if "blank_page" in codes or "no_text" in codes:
        problems.append("blank_page")
    if repaired:
        problems.append("repaired_source")
    if page.words and page.ocr_confidence < min_confidence:
        problems.append("low_ocr_confidence")
    if any(f["severity"] in BLOCKING_SEVERITIES and f["code"] not in ("blank_page", "no_text") for f in page.findings):
        problems.append("reception_finding")
    return problems


def _items(fields: Mapping[str, FieldValue | list[FieldValue]]) -> Iterable[FieldValue]:
    for value in fields.values():
        yield from value if isinstance(value, list) else [value]


def flag_unreadable_pages(doc: DocumentResult, bad_pages: Iterable[int]) -> None:
    """Put every field read from a page in ``bad_pages`` in review (in place)."""
    bad = set(bad_pages)
    for item in _items(doc.fields):
        if item.page in bad and PAGE_UNREADABLE not in item.reasons:
            item.reasons.append(PAGE_UNREADABLE)
            if item.status == "extracted":
                item.status = "needs_review"


def judge(
    doc: DocumentResult,
    pages: Mapping[int, PageResult],
    *,
    repaired_sources: frozenset[int] = frozenset(),
    signed_input: bool = False,
    enabled: bool = True,
    min_confidence: float = LOW_OCR_CONFIDENCE,
) -> Verdict:
    """The reasons ``doc`` must wait for a reviewer (see the module docstring); none means automatic."""
    reasons: list[str] = []
    if not enabled:
        reasons.append("disabled")
    if signed_input:
        reasons.append("signed_input")
    if doc.type == "other":
        reasons.append("type_other")
    items = list(_items(doc.fields))
    if not items:
        reasons.append("no_fields")
    for number in doc.pages:
        page = pages[number]
        repaired = page.source_index in repaired_sources
        for problem in page_problems(page, repaired=repaired, min_confidence=min_confidence):
            if problem not in reasons:
                reasons.append(problem)
    if any("missing" in f.reasons for f in items):
        reasons.append("missing_required_field")
    if any(f.status == "needs_review" for f in items):
        reasons.append("fields_need_review")
    return Verdict(not reasons, tuple(reasons))
