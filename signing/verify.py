"""Check the signatures of a PDF with pyHanko, and read poppler ``pdfsig``'s verdict as a second opinion.

Why a wrapper: pyHanko's validator passes an unsigned file without a word, so ``verify_pdf`` raises
``NoSignatureError`` instead; and only pyHanko judges changes made after signing (``pdfsig`` calls
an incrementally edited file valid and exits 0 whatever it finds), so ``pdfsig`` is only used for
its "Signature Validation:" line (notes/signing.md §3.2-3.3).

Trust comes only from the roots passed in, never from the operating system. Revocation data comes
from the file's DSS and, when ``fetch`` is on, from the OCSP/CRL URLs of the certificates (soft-fail:
data that cannot be had is no verdict, a revocation found is). A signature whose certificate has
expired since is accepted when an archive timestamp (B-LTA) proves it was valid when signed: that is
the AdES long-term validation (EN 319 102-1), run only in that case. ``at`` moves the validation time.

A development signature is untrusted unless its root is passed on purpose, and flagged as having no
legal value either way.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import ModificationLevel, PdfSignatureStatus
from pyhanko_certvalidator.context import CertValidationPolicySpec, ValidationTimingInfo
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from signing.approval import APPROVAL_DIFF_POLICY, APPROVAL_FIELD, embedded_fields_changed
from signing.keys import is_development_certificate
from signing.ltv import Network, load_roots, run_online
from signing.sign import VN_TZ
from sohoa.errors import SigningError, ToolFailed

__all__ = ["FileReport", "NoSignatureError", "SignatureReport", "TimestampReport", "pdfsig_verdicts", "verify_file",
           "verify_pdf"]  # fmt: skip

_SAFE_CHANGES = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
DEV_PROBLEM = "Ký bằng chứng thư thử nghiệm: không có giá trị pháp lý"
_CHANGES = {
    "NONE": "không có thay đổi sau khi ký",
    "LTA_UPDATES": "chỉ bổ sung dữ liệu xác thực dài hạn / dấu thời gian",
    "FORM_FILLING": "chỉ thêm chữ ký / dữ liệu duyệt (được phép)",
    "ANNOTATIONS": "thêm chú thích sau khi ký (không được phép)",
    "OTHER": "nội dung bị sửa đổi sau khi ký (không được phép)",
}


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
    bottom_line: bool  # pyHanko's overall judgment, and ours
    development: bool
    summary: str
    problems: tuple[str, ...]
    kind: str = "other"  # digitization, approval, other
    level: str | None = None  # PAdES B-B / B-T / B-LT / B-LTA, as found in the file
    timestamp: str | None = None  # the TSA's time for the signature (B-T and up), +07:00
    timestamp_trusted: bool | None = None
    modifications: str | None = None  # modification_level in words
    validation: str = "pkix"  # pkix (at the validation time) or ades-lta (past validation via archive timestamps)
    hash_algorithm: str | None = None
    signature_algorithm: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data


@dataclass(frozen=True)
class TimestampReport:
    """A document (archive) timestamp: B-LTA's proof that the file and its validation data existed then."""

    time: str
    intact: bool
    trusted: bool
    tsa: str


@dataclass(frozen=True)
class FileReport:
    """Everything ``verify`` says about one file."""

    path: str
    signatures: list[SignatureReport]
    document_timestamps: list[TimestampReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.bottom_line for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "signatures": [s.to_dict() for s in self.signatures],
            "document_timestamps": [asdict(t) for t in self.document_timestamps],
        }


def verify_pdf(
    path: Path,
    *,
    trust_roots: Sequence[Path] = (),
    fetch: bool = False,
    at: dt.datetime | None = None,
    timeout_s: float = 20,
) -> list[SignatureReport]:
    """Validate every signature of ``path`` (document timestamps excluded) against ``trust_roots``.

    Raises ``NoSignatureError`` when there is none, ``SigningError`` when the file cannot be read.
    """
    return verify_file(path, trust_roots=trust_roots, fetch=fetch, at=at, timeout_s=timeout_s).signatures


def verify_file(
    path: Path,
    *,
    trust_roots: Sequence[Path] = (),
    fetch: bool = False,
    at: dt.datetime | None = None,
    timeout_s: float = 20,
) -> FileReport:
    """``verify_pdf`` plus the document timestamps, for the ``sohoa verify`` report."""
    roots = load_roots(trust_roots)
    try:
        with open(path, "rb") as fh:
            reader = PdfFileReader(fh)
            if not reader.embedded_regular_signatures:
                raise NoSignatureError("Tệp không có chữ ký số", file=str(path))

            async def work(net: Network) -> FileReport:
                sigs = [await _report(sig, reader, roots, net, at) for sig in reader.embedded_regular_signatures]
                stamps = [await _timestamp(ts, reader, roots, net, at) for ts in reader.embedded_timestamp_signatures]
                return FileReport(str(path), sigs, stamps)

            return run_online(fetch, timeout_s, work)
    except (OSError, PdfError) as exc:
        raise SigningError(f"Không đọc được tệp PDF: {exc}", file=str(path)) from exc


def _context(reader: PdfFileReader, roots: list[Any], others: list[Any], net: Network, at: dt.datetime | None) -> Any:
    """Trust only ``roots``; revocation data from the DSS, plus the network when it is on."""
    kwargs: dict[str, Any] = {"revocation_mode": "soft-fail"}
    if at is not None:
        kwargs["moment"] = at
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return net.context(roots, others, mode=kwargs.pop("revocation_mode"), **kwargs)
    backend = AIOHttpFetcherBackend(net.session, per_request_timeout=net.timeout_s) if net.session else None
    return dss.as_validation_context(
        {
            "trust_roots": roots,
            "other_certs": others,
            "allow_fetching": net.session is not None,
            "fetcher_backend": backend,
            **kwargs,
        }
    )


async def _report(sig: Any, reader: PdfFileReader, roots: list[Any], net: Network, at: dt.datetime | None) -> Any:
    try:
        cert = sig.signer_cert
        signer = str(cert.subject.native.get("common_name", cert.subject.human_friendly))
        development = is_development_certificate(cert)
        context = _context(reader, roots, list(sig.other_embedded_certs), net, at)
        status = await async_validate_pdf_signature(
            sig, signer_validation_context=context, diff_policy=APPROVAL_DIFF_POLICY
        )
        await context.aclose()
        level = _level(sig, reader, status)
        validation = "pkix"
        if status.intact and status.valid and not status.trusted and not status.revoked and level == "PAdES B-LTA":
            past = await _past_validation(sig, roots, net, at)
            if past is not None:
                status, validation = past, "ades-lta"
    except Exception as exc:  # a malformed signature is a verdict on the file, not a crash
        return _unreadable(str(sig.field_name), exc)
    problems = _problems(status, development=development)
    if str(sig.field_name) == APPROVAL_FIELD and embedded_fields_changed(reader, sig.signed_revision):
        problems.append("Dữ liệu đã duyệt đính kèm bị thay đổi sau chữ ký duyệt")
    ts = status.timestamp_validity
    mod = status.modification_level.name if status.modification_level else None
    return SignatureReport(
        field=str(sig.field_name),  # pyHanko's string type holds a reference to the open file
        signer=signer,
        signing_time=_iso(status.signer_reported_dt),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        modification_level=mod,
        coverage=status.coverage.name if status.coverage else None,
        bottom_line=bool(status.bottom_line) and all(p == DEV_PROBLEM for p in problems),
        development=development,
        summary=status.summary(),
        problems=tuple(problems),
        kind=_kind(str(sig.field_name)),
        level=level,
        timestamp=_iso(ts.timestamp) if ts else None,
        timestamp_trusted=bool(ts.trusted) if ts else None,
        modifications=_CHANGES.get(mod or "", mod),
        validation=validation,
        hash_algorithm=str(sig.md_algorithm),
        signature_algorithm=str(sig.signer_info["signature_algorithm"]["algorithm"].native),
    )


async def _past_validation(sig: Any, roots: list[Any], net: Network, at: dt.datetime | None) -> Any:
    """AdES LTA validation (EN 319 102-1 §5.6.3): was the signature valid when the archive timestamp
    proved it existed? Returns pyHanko's status when it passes, else ``None``."""
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=roots),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
                if net.session
                else RevinfoOnlineFetchingRule.LOCAL_ONLY,
                fetcher_backend=AIOHttpFetcherBackend(net.session, per_request_timeout=net.timeout_s)
                if net.session
                else None,
            ),
        ),
        diff_policy=APPROVAL_DIFF_POLICY,
    )
    timing = None
    if at is not None:
        timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=False)
    result = await ades_lta_validation(sig, spec, timing_info=timing)
    if result.ades_subindic == AdESPassed.OK and result.api_status is not None and result.api_status.bottom_line:
        return result.api_status
    return None


async def _timestamp(ts: Any, reader: PdfFileReader, roots: list[Any], net: Network, at: dt.datetime | None) -> Any:
    context = _context(reader, roots, list(ts.other_embedded_certs), net, at)
    try:
        status = await async_validate_pdf_timestamp(ts, validation_context=context, diff_policy=APPROVAL_DIFF_POLICY)
    finally:
        await context.aclose()
    tsa = ts.signer_cert.subject.native.get("common_name", "")
    return TimestampReport(
        time=_iso(status.timestamp) or "", intact=bool(status.intact), trusted=bool(status.trusted), tsa=str(tsa)
    )


def _level(sig: Any, reader: PdfFileReader, status: PdfSignatureStatus) -> str:
    """The PAdES baseline level the file shows for this signature (structure, not conformance)."""
    if status.timestamp_validity is None:
        return "PAdES B-B"
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        has_revinfo = bool(dss.ocsps or dss.crls)
    except NoDSSFoundError:
        has_revinfo = False
    if not has_revinfo:
        return "PAdES B-T"
    later = [t for t in reader.embedded_timestamp_signatures if t.signed_revision > sig.signed_revision]
    return "PAdES B-LTA" if later else "PAdES B-LT"


def _kind(field_name: str) -> str:
    return {"SohoaDigitization": "digitization", APPROVAL_FIELD: "approval"}.get(field_name, "other")


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
        problems.append(DEV_PROBLEM)
    return problems


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(VN_TZ).isoformat() if when else None
