"""What a PDF carries that matters for trust: signatures, and active content that could run or hide data.

Why at ingest: whether a signed input may be passed through byte-exact must be decided the same way in
both modes, from the file itself, before anything trusts it. Reading the object tree with pikepdf (no
rendering, no pyHanko) costs a few milliseconds, and ingest has the file open already.

A signature counts when a signature field (``/FT /Sig``) holds a value (``/V``): an empty field to be
signed later is not a signature. Active content is whatever a viewer may run or open by itself:
JavaScript, an ``/OpenAction``, additional actions (``/AA``) on the document, a page, a field or an
annotation, embedded files, launch/submit/import actions, XFA forms and rich media. Such a file is
never passed through, whatever its signatures say.
"""

from __future__ import annotations

from dataclasses import dataclass

import pikepdf

__all__ = ["PdfTraits", "read_traits"]

MAX_NODES = 20_000  # a hostile file with a huge or cyclic field tree stops being walked here
_RISKY_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch_action",
    "/SubmitForm": "submit_form",
    "/ImportData": "import_data",
    "/RichMediaExecute": "rich_media",
    "/Rendition": "rendition_action",
}


@dataclass(frozen=True)
class PdfTraits:
    """Signatures found and kinds of active content (sorted codes such as ``javascript``, ``open_action``)."""

    signatures: int = 0
    active_content: tuple[str, ...] = ()


def read_traits(pdf: pikepdf.Pdf) -> PdfTraits:
    """Count the signatures of ``pdf`` and name its active content; never raises on odd structure."""
    found: set[str] = set()
    root = pdf.Root
    if "/OpenAction" in root:
        found.add("open_action")
    if "/AA" in root:
        found.add("additional_actions")
    names = _get(root, "/Names")
    if names is not None:
        if "/JavaScript" in names:
            found.add("javascript")
        if "/EmbeddedFiles" in names:
            found.add("embedded_files")
    if "/AF" in root:  # PDF 2.0 associated files
        found.add("embedded_files")
    acroform = _get(root, "/AcroForm")
    if acroform is not None and "/XFA" in acroform:
        found.add("xfa")
    signatures = 0
    seen: set[tuple[int, int]] = set()
    budget = [MAX_NODES]
    fields = _get(acroform, "/Fields") if acroform is not None else None
    for node in _walk(fields, seen, budget):
        signatures += _is_signed_field(node)
        _actions(node, found)
    for page in _pages(pdf):
        if "/AA" in page:
            found.add("additional_actions")
        for annot in _array(_get(page, "/Annots")):
            if not _visit(annot, seen, budget):
                continue
            signatures += _is_signed_field(annot)
            _actions(annot, found)
            subtype = _get(annot, "/Subtype")
            if subtype == "/FileAttachment":
                found.add("embedded_files")
            elif subtype == "/RichMedia":
                found.add("rich_media")
    return PdfTraits(signatures, tuple(sorted(found)))


def _get(obj: object, key: str) -> object | None:
    try:
        return obj.get(key)  # type: ignore[attr-defined]
    except (AttributeError, pikepdf.PdfError, TypeError, ValueError):
        return None


def _array(obj: object | None) -> list[object]:
    return list(obj) if isinstance(obj, pikepdf.Array) else []


def _pages(pdf: pikepdf.Pdf) -> list[pikepdf.Page]:
    try:
        return list(pdf.pages)
    except pikepdf.PdfError:
        return []


def _visit(node: object, seen: set[tuple[int, int]], budget: list[int]) -> bool:
    """True the first time an indirect object is met, while the walk has budget left."""
    if budget[0] <= 0 or not isinstance(node, pikepdf.Dictionary):
        return False
    budget[0] -= 1
    if node.is_indirect:
        ident = node.objgen
        if ident in seen:
            return False
        seen.add(ident)
    return True


def _walk(fields: object | None, seen: set[tuple[int, int]], budget: list[int]) -> list[pikepdf.Dictionary]:
    """Every node of the AcroForm field tree (fields and their kids), each once."""
    out: list[pikepdf.Dictionary] = []
    stack = list(reversed(_array(fields)))
    while stack:
        node = stack.pop()
        if not _visit(node, seen, budget):
            continue
        out.append(node)  # type: ignore[arg-type]
        stack.extend(reversed(_array(_get(node, "/Kids"))))
    return out


def _is_signed_field(node: object) -> int:
    return int(_get(node, "/FT") == "/Sig" and isinstance(_get(node, "/V"), pikepdf.Dictionary))


def _actions(node: object, found: set[str]) -> None:
    """Name the risky actions of a field or annotation (``/A`` and every ``/AA`` trigger)."""
    if _get(node, "/AA") is not None:
        found.add("additional_actions")
    action = _get(node, "/A")
    kind = _get(action, "/S") if action is not None else None
    if kind is not None and str(kind) in _RISKY_ACTIONS:
        found.add(_RISKY_ACTIONS[str(kind)])
