"""The approval signature: approved fields embedded as a JSON file, signed in one incremental update.

Why it is shaped this way:

* The approved fields travel inside the PDF (an embedded file, also listed as a PDF 2.0 associated
  file of the document, ``/AF`` with ``/AFRelationship /Data``), so a citizen's copy carries what was
  approved, and the approval signature covers them.
* The first (digitization) signature must stay valid. pyHanko's default change policy treats *any*
  new catalog entry as suspicious, so ``APPROVAL_DIFF_POLICY`` is the default policy plus one narrow
  rule: a revision may add ``/Names /EmbeddedFiles`` and ``/AF`` to a catalog that had neither,
  holding only files named ``sohoa-*.json``. Page content, annotations and everything else are still
  judged exactly as before. ``embedded_fields_changed`` closes the remaining gap: the JSON must be
  byte-identical to what the approval signature signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.diff_analysis import (
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.diff_analysis.rules.file_structure_rules import CatalogModificationRule
from pyhanko.sign.diff_analysis.rules_api import QualifiedWhitelistRule, ReferenceUpdate

from sohoa.errors import SigningError

__all__ = [
    "APPROVAL_DIFF_POLICY",
    "APPROVAL_FIELD",
    "FIELDS_FILE",
    "embed_fields",
    "embedded_fields_changed",
    "read_embedded_fields",
]

APPROVAL_FIELD = "SohoaApproval"
FIELDS_FILE = "sohoa-approved-fields.json"
_PREFIX = "sohoa-"


def embed_fields(payload: dict[str, Any]) -> Any:
    """A ``before_signing`` hook for ``sign_pdf`` that embeds ``payload`` as ``FIELDS_FILE``."""
    data = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

    def add(writer: IncrementalPdfFileWriter) -> None:
        stream = embed.EmbeddedFileObject.from_file_data(writer, data=data, mime_type="application/json")
        spec = embed.FileSpec(
            file_spec_string=FIELDS_FILE,
            file_name=FIELDS_FILE,
            embedded_data=stream,
            description="Các trường đã duyệt (sohoa.approved-fields/1)",
            af_relationship=generic.NameObject("/Data"),
        )
        embed.embed_file(writer, spec)

    return add


def read_embedded_fields(path: Path) -> dict[str, Any] | None:
    """The embedded approved-fields JSON of the PDF's latest revision, or ``None`` when there is none.

    Two files under the same name are refused: which one a viewer shows is anyone's guess.
    """
    with open(path, "rb") as fh:
        found = _embedded_files(PdfFileReader(fh).root)
    if len(found) > 1:
        raise SigningError(
            f"Tệp có {len(found)} bản {FIELDS_FILE}: không xác định được dữ liệu đã duyệt", file=str(path)
        )
    return json.loads(found[0]) if found else None


def embedded_fields_changed(reader: PdfFileReader, signed_revision: int) -> bool:
    """True when the embedded JSON now differs from the one in revision ``signed_revision``."""
    old = _embedded_files(reader.get_historical_root(signed_revision))
    return bool(old) and old != _embedded_files(reader.root)


def _embedded_files(root: generic.DictionaryObject) -> list[bytes]:
    """Every embedded file named ``FIELDS_FILE`` (normally exactly one)."""
    try:
        names = list(root["/Names"]["/EmbeddedFiles"]["/Names"])
    except KeyError:
        return []
    return [
        spec.get_object()["/EF"]["/F"].get_object().data
        for name, spec in zip(names[::2], names[1::2], strict=True)
        if str(name) == FIELDS_FILE
    ]


class _EmbeddedApprovalDataRule(QualifiedWhitelistRule):
    """Allow a catalog that had no ``/Names`` and no ``/AF`` to gain both, for ``sohoa-*.json`` files only."""

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterable[tuple[ModificationLevel, ReferenceUpdate]]:
        old_root, new_root = old.root, new.root
        for key in ("/Names", "/AF"):
            if key in old_root:
                if old_root.raw_get(key) != new_root.raw_get(key):
                    raise SuspiciousModification(f"{key} in the catalog changed after signing")
                continue
            if key in new_root:
                yield from self._approve(old, new_root, key)

    def _approve(
        self, old: HistoricalResolver, root: generic.DictionaryObject, key: str
    ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        refs: list[generic.Reference] = []
        if key == "/AF":
            refs += _ref(root.raw_get("/AF"))
            specs = list(root["/AF"])
        else:
            names = root["/Names"]
            if set(names.keys()) != {"/EmbeddedFiles"}:
                raise SuspiciousModification("only /EmbeddedFiles may be added to /Names")
            tree = names["/EmbeddedFiles"]
            if set(tree.keys()) != {"/Names"}:
                raise SuspiciousModification("unexpected embedded file name tree")
            refs += _ref(root.raw_get("/Names")) + _ref(names.raw_get("/EmbeddedFiles")) + _ref(tree.raw_get("/Names"))
            pairs = list(tree["/Names"])
            if any(not str(n).startswith(_PREFIX) for n in pairs[::2]):
                raise SuspiciousModification("only sohoa-* files may be embedded after signing")
            specs = [pairs[i] for i in range(1, len(pairs), 2)]
        for spec_ref in specs:
            spec = spec_ref.get_object()
            if not str(spec.get("/F", "")).startswith(_PREFIX):
                raise SuspiciousModification("associated file is not one of sohoa's")
            refs += _ref(spec_ref) + _ref(spec["/EF"].raw_get("/F"))
        for ref in refs:
            if not old.is_ref_unassignable(ref):  # must be a new object, never one the signed revision used
                raise SuspiciousModification(f"{ref} reuses an object of the signed revision")
            yield ModificationLevel.FORM_FILLING, ReferenceUpdate(ref)


def _ref(value: Any) -> list[generic.Reference]:
    return [value.reference] if isinstance(value, generic.IndirectObject) else []


APPROVAL_DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(ignored_keys=ROOT_EXEMPT_STRICT_COMPARISON | {"/Names", "/AF"}),
        _EmbeddedApprovalDataRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(
        field_rules=[SigFieldCreationRule(), SigFieldModificationRule(), GenericFieldModificationRule()],
    ),
)
