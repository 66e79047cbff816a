"""Inputs that already carry a digital signature: passed through only when the signature earns it.

A signed PDF handed in at the desk (an e-document from another agency, a citizen's signed form) is
evidence as it is: re-rendering it, or signing it again, changes the bytes its signature covers. But
keeping it byte-exact as a *result* lends it the agency's name, so sohoa passes it through only when:

- its signatures verify against the configured trust roots (``SOHOA_TRUST_ROOTS``; none configured means
  nothing is trusted), every signed digest is intact, nothing was changed after signing in a way the
  signature does not allow, no certificate is revoked, and none is a development certificate;
- it carries no active content (JavaScript, an open action, additional actions, embedded files...:
  ``pipeline.pdf_traits``), which a viewer may run or which may hide what the pages show.

Otherwise the file is digitized like any scan (rendered from its pixels, stamped, signed by the agency),
and the result says why it was not passed through. A passed-through result is never approved by sohoa
itself and never receives the agency's approval signature: sohoa did not render those bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.verify import verify_file
from sohoa.errors import SigningError

__all__ = ["NOTE", "REASONS", "SignedInputVerdict", "has_signature", "judge_signed_input"]

NOTE = (
    "Tệp đầu vào đã có chữ ký số hợp lệ, tin cậy: giữ nguyên từng byte, không ghi đè hay ký lại; "
    "nội dung OCR chỉ có trong JSON"
)
DIGITIZED_NOTE = "Tệp đầu vào có chữ ký số nhưng không được giữ nguyên: đã số hóa như bản quét"
REASONS = {
    "no_trust_roots": "chưa cấu hình chứng thư gốc tin cậy (SOHOA_TRUST_ROOTS)",
    "untrusted": "chứng thư số của người ký không thuộc chuỗi tin cậy đã cấu hình",
    "not_intact": "nội dung đã bị thay đổi sau khi ký (mã băm không khớp)",
    "invalid": "giá trị chữ ký không hợp lệ",
    "revoked": "chứng thư số của người ký đã bị thu hồi",
    "modified_after_signing": "tệp đã bị sửa đổi sau khi ký theo cách không được phép",
    "development_certificate": "ký bằng chứng thư thử nghiệm",
    "unreadable": "không kiểm tra được chữ ký",
    "active_content": "tệp có nội dung chủ động (JavaScript, hành động tự chạy, tệp đính kèm...)",
}


@dataclass(frozen=True)
class SignedInputVerdict:
    """Whether a signed input is passed through, why not, and what its signatures say."""

    passed_through: bool
    reasons: tuple[str, ...]
    signatures: list[dict[str, Any]] = field(default_factory=list)
    active_content: tuple[str, ...] = ()

    def record(self, sha256: str) -> dict[str, Any]:
        """The ``signed_input`` entry of the result's signature summary."""
        return {
            "signed_input": True,
            "passed_through": self.passed_through,
            "kept_byte_exact": self.passed_through,
            "verified": self.passed_through,
            "source_sha256": sha256,
            "reasons": list(self.reasons),
            "reasons_text": [REASONS.get(r.split(":", 1)[0], r) for r in self.reasons],
            "active_content": list(self.active_content),
            "signatures": self.signatures,
            "note": NOTE if self.passed_through else DIGITIZED_NOTE,
        }


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


def judge_signed_input(
    path: Path,
    *,
    active_content: Sequence[str] = (),
    trust_roots: Sequence[Path] = (),
    fetch: bool = False,
    timeout_s: float = 20,
) -> SignedInputVerdict:
    """Decide whether the signed PDF at ``path`` may be passed through (see the module docstring)."""
    reasons = [f"active_content:{kind}" for kind in active_content]
    if not trust_roots:
        reasons.append("no_trust_roots")
    try:
        report = verify_file(path, trust_roots=trust_roots, fetch=fetch, timeout_s=timeout_s)
    except SigningError as exc:
        return SignedInputVerdict(False, (*reasons, "unreadable"), [{"problems": [exc.message]}], tuple(active_content))
    signatures = [
        {k: s.to_dict()[k] for k in ("field", "signer", "signing_time", "level", "intact", "trusted", "problems")}
        for s in report.signatures
    ]
    for sig in report.signatures:
        for code, bad in (
            ("not_intact", not sig.intact),
            ("invalid", sig.intact and not sig.valid),
            ("revoked", sig.revoked),
            ("untrusted", sig.intact and not sig.trusted and bool(trust_roots)),
            ("modified_after_signing", not sig.bottom_line and sig.intact and sig.valid and sig.trusted),
            ("development_certificate", sig.development),
        ):
            if bad and code not in reasons:
                reasons.append(code)
    if any(not t.intact for t in report.document_timestamps) and "not_intact" not in reasons:
        reasons.append("not_intact")
    return SignedInputVerdict(not reasons, tuple(reasons), signatures, tuple(active_content))
