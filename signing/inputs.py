"""Scans that already carry a digital signature: detected, verified, and never rewritten.

A signed PDF handed in at the desk (an e-document from another agency, a citizen's signed form) is
evidence as it is: re-rendering it into a new searchable PDF, or even signing it again, would change
the bytes its signature covers. So sohoa keeps it byte-exact as the result PDF, verifies its
signatures and records the verdict, and puts its OCR only into the result JSON (``NOTE`` says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.verify import verify_file
from sohoa.errors import SigningError

__all__ = ["NOTE", "has_signature", "signed_input_summary"]

NOTE = "Tệp đầu vào đã có chữ ký số: giữ nguyên từng byte, không ghi đè hay ký lại; nội dung OCR chỉ có trong JSON"


def has_signature(path: Path) -> bool:
    """True when ``path`` is a PDF with at least one signature field that holds a signature."""
    try:
        with open(path, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                return False
            fh.seek(0)
            reader = PdfFileReader(fh, strict=False)
            return bool(reader.embedded_signatures)
    except (OSError, PdfError, ValueError, KeyError):
        return False


def signed_input_summary(
    path: Path, *, sha256: str, trust_roots: Sequence[Path] = (), fetch: bool = False, timeout_s: float = 20
) -> dict[str, Any]:
    """The record kept for a signed input: who signed it, whether it verifies, and that it was kept as is."""
    try:
        report = verify_file(path, trust_roots=trust_roots, fetch=fetch, timeout_s=timeout_s)
        signatures = [
            {k: s.to_dict()[k] for k in ("field", "signer", "signing_time", "level", "intact", "trusted", "problems")}
            for s in report.signatures
        ]
        ok = report.ok
    except SigningError as exc:
        signatures, ok = [], False
        signatures.append({"problems": [exc.message]})
    return {
        "signed_input": True,
        "kept_byte_exact": True,
        "source_sha256": sha256,
        "verified": ok,
        "signatures": signatures,
        "note": NOTE,
        "level": "đầu vào đã ký",
        "signer": ", ".join(str(s.get("signer", "?")) for s in signatures) or "?",
        "signing_time": signatures[0].get("signing_time") if signatures else None,
    }
