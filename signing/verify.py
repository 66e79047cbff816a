"""Check the signatures of a PDF with pyHanko, and read poppler ``pdfsig``'s verdict as a second opinion.

Why a wrapper: pyHanko's validator passes an unsigned file without a word, so ``verify_pdf`` raises
``NoSignatureError`` instead; and only pyHanko judges changes made after signing (``pdfsig`` calls
an incrementally edited file valid and exits 0 whatever it finds), so ``pdfsig`` is only used for
its "Signature Validation:" line (notes/signing.md §3.2-3.3).

Trust comes only from the roots passed in, never from the operating system; nothing is fetched
from the network. A development signature is therefore untrusted unless its root is passed on
purpose, and it is flagged as having no legal value either way.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from signing.keys import is_development_certificate
from signing.sign import VN_TZ
from sohoa.errors import SigningError, ToolFailed

__all__ = ["NoSignatureError", "SignatureReport", "pdfsig_verdicts", "verify_pdf"]

_SAFE_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


class NoSignatureError(SigningError):
    """The PDF carries no signature at all."""

    code = "no_signature"


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict; ``problems`` are plain Vietnamese reasons for staff (empty = all good)."""

    field: str
    signer: str
    signing_time: str | None  # signer-reported, ISO 8601 in +07:00 (not a trusted time at B-B)
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature checks out
    trusted: bool  # the certificate chains to one of the given roots
    revoked: bool
    modification_level: str | None  # NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER
    coverage: str | None  # ENTIRE_FILE, ENTIRE_REVISION, ...
    bottom_line: bool  # pyHanko's overall judgment
    development: bool
    summary: str
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data


def verify_pdf(path: Path, *, trust_roots: Sequence[Path] = ()) -> list[SignatureReport]:
    """Validate every signature of ``path`` (timestamps excluded) against ``trust_roots`` (PEM/DER).

    Raises ``NoSignatureError`` when there is none, ``SigningError`` when the file cannot be read.
    """
    try:
        roots = list(load_certs_from_pemder([str(p) for p in trust_roots]))
    except (OSError, ValueError) as exc:
        raise SigningError(f"Không đọc được chứng thư gốc tin cậy: {exc}") from exc
    try:
        with open(path, "rb") as fh:
            reader = PdfFileReader(fh)
            signatures = list(reader.embedded_regular_signatures)
            if not signatures:
                raise NoSignatureError("Tệp không có chữ ký số", file=str(path))
            return [_report(sig, roots) for sig in signatures]
    except (OSError, PdfError) as exc:
        raise SigningError(f"Không đọc được tệp PDF: {exc}", file=str(path)) from exc


def pdfsig_verdicts(path: Path, *, timeout_s: float = 60) -> list[str]:
    """poppler's verdict per signature, e.g. ``"Signature is Valid."`` or ``"Digest Mismatch."``.

    ``pdfsig`` exits 0 whatever the verdict, so its text is parsed; an empty list means it found no
    signature. Certificate checks are off (``-nocert``): pdfsig 22.12 reports them unreliably.
    """
    exe = shutil.which("pdfsig")
    if exe is None:
        raise ToolFailed("Không tìm thấy pdfsig", hint="cài gói poppler-utils (apt)")
    try:
        run = subprocess.run(
            [exe, "-nocert", str(path)], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolFailed(f"pdfsig quá thời gian ({timeout_s:.0f} s)", file=str(path)) from exc
    prefix = "Signature Validation:"
    return [line.split(prefix, 1)[1].strip() for line in run.stdout.splitlines() if prefix in line]


def _report(sig: Any, roots: list[Any]) -> SignatureReport:
    try:
        cert = sig.signer_cert
        signer = str(cert.subject.native.get("common_name", cert.subject.human_friendly))
        development = is_development_certificate(cert)
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception as exc:  # a malformed signature is a verdict on the file, not a crash
        return _unreadable(sig.field_name, exc)
    return SignatureReport(
        field=str(sig.field_name),  # pyHanko's string type holds a reference to the open file
        signer=str(signer),
        signing_time=_iso(status.signer_reported_dt),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        modification_level=status.modification_level.name if status.modification_level else None,
        coverage=status.coverage.name if status.coverage else None,
        bottom_line=bool(status.bottom_line),
        development=development,
        summary=status.summary(),
        problems=tuple(_problems(status, development=development)),
    )


def _unreadable(field: str, exc: Exception) -> SignatureReport:
    return SignatureReport(
        field=field,
        signer="",
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        modification_level=None,
        coverage=None,
        bottom_line=False,
        development=False,
        summary="ERROR",
        problems=(f"Không kiểm tra được chữ ký: {exc}",),
    )


def _problems(status: PdfSignatureStatus, *, development: bool) -> list[str]:
    """Plain reasons, most serious first."""
    problems = []
    if not status.intact:
        problems.append("Nội dung đã bị thay đổi sau khi ký (mã băm không khớp)")
    elif not status.valid:
        problems.append("Giá trị chữ ký không hợp lệ")
    if status.revoked:
        problems.append("Chứng thư số của người ký đã bị thu hồi")
    elif status.intact and not status.trusted:  # pyHanko skips the trust check on broken bytes
        problems.append("Chứng thư số không thuộc chuỗi tin cậy đã cấu hình")
    if status.modification_level is not None and (
        status.modification_level not in _SAFE_CHANGES or not status.docmdp_ok
    ):
        problems.append("Tệp đã bị sửa đổi sau khi ký theo cách không được phép")
    if development:
        problems.append("Ký bằng chứng thư thử nghiệm: không có giá trị pháp lý")
    return problems


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(VN_TZ).isoformat() if when else None
