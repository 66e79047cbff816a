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
page sohoa could not read never yields an ``extracted`` field. One exception, measured: a page whose only
problem is that its image has fewer dots per inch than the digitization standard asks
(``low_resolution``) but which OCR read soundly (mean confidence >= 0.90, garbage <= 8 %: office scans)
keeps its fields' own flags. A phone photo of an A4 sheet comes out at ~165 dpi; on family A layouts so
photographed, 278 of 278 values read were right (``benchmarks/photo_flags.py --dpi 165``). The result is
still not approved by itself (``reception_finding``) and the desk is still asked to rescan. A blurred
page is not excepted: on blurred card photos, right and wrong values alike read with office confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.reading_quality import MIN_WORDS, is_garbage

__all__ = ["Verdict", "flag_unreadable_pages", "judge", "page_problems", "page_unreadable"]

LOW_OCR_CONFIDENCE = 0.7
BLOCKING_SEVERITIES = frozenset({"warning", "error"})
PAGE_UNREADABLE = "page_unreadable"
# Findings about the image's standard, not its legibility: the reading itself may overrule them.
IMAGE_STANDARD = frozenset({("low_resolution", "error"), ("low_resolution", "warning")})
SOUND_CONFIDENCE = 0.90  # office scans read at > 0.90 mean word confidence
SOUND_GARBAGE = 0.08  # and with under 8 % garbage tokens


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


def reads_soundly(page: PageResult) -> bool:
    """OCR read the page as it reads an office scan: confident, little garbage, enough words to judge."""
    words = page.words
    if len(words) < MIN_WORDS or page.ocr_confidence < SOUND_CONFIDENCE:
        return False
    return sum(map(is_garbage, words)) / len(words) <= SOUND_GARBAGE


def page_unreadable(page: PageResult, *, repaired: bool, min_confidence: float = LOW_OCR_CONFIDENCE) -> bool:
    """Whether the fields read from ``page`` all go to review: it has a problem, unless its only problem
    is an image under the standard that OCR nonetheless read soundly (see the module docstring)."""
    problems = page_problems(page, repaired=repaired, min_confidence=min_confidence)
    if problems != ["reception_finding"]:
        return bool(problems)
    blocking = {(f["code"], f["severity"]) for f in page.findings if f["severity"] in BLOCKING_SEVERITIES}
    return not (blocking <= IMAGE_STANDARD and reads_soundly(page))


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
