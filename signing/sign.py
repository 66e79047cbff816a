"""Sign a finished PDF (PAdES B-B to B-LTA) with a visible Vietnamese stamp on page 1, as its last write.

Why it is shaped this way:

* The signature is an incremental update on the given bytes; any later full rewrite (pikepdf)
  destroys it, so this must be the last step before the bytes are stored (notes/signing.md §3.3).
* The stamp font is NotoSans (cut to the stamp's characters, ``signing.fonts``) embedded by pyHanko: its default font
  silently prints Vietnamese as mojibake (notes/signing.md §3.4).
* The time on the stamp and the time in the signature (/M) are the same instant, chosen here, in
  Vietnam time (+07:00, no daylight saving).
* The output appears at ``dst`` all at once (temp file + rename): never a half-written signed PDF.

Levels (ETSI EN 319 142-1): B-B is the bare signature; B-T adds a TSA's signature timestamp; B-LT
embeds the OCSP/CRL data (DSS); B-LTA adds a document timestamp over all of it. When B-LT/B-LTA is
asked for but the revocation data cannot be fetched, the signature is made at B-T and the summary
says ``needs_ltv`` (``signing.ltv.extend_pdf`` completes it later). A TSA is needed from B-T up.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp
from pyhanko.pdf_utils import generic, layout, text
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import TextStampStyle

from signing.fonts import StampFontFactory
from signing.keys import check_key_strength, common_name, is_development_certificate
from signing.ltv import Network, RevinfoUnavailable, check_signer, check_validity_period, load_roots, run_online
from signing.ltv import write_atomically as _write_atomically
from signing.stamp import Box, to_pdf_rect
from sohoa.errors import SigningError

__all__ = ["DEV_STAMP_LINE", "LEVELS", "STAMP_FONT", "VN_TZ", "Level", "SignatureSummary", "level_for", "sign_pdf"]

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh has no DST
STAMP_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")  # apt: fonts-noto-core
DEV_STAMP_LINE = "BẢN THỬ NGHIỆM – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
DEFAULT_REASON = "Bản số hóa đúng với bản giấy"
Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[Level, ...] = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class SignatureSummary:
    """What was signed, for the result record (``to_dict`` is JSON-ready)."""

    field_name: str
    signer: str  # subject common name
    signing_time: str  # ISO 8601, +07:00
    level: str  # "PAdES B-B" ... "PAdES B-LTA": the level reached
    hash_algorithm: str
    development: bool  # signed with the development certificate: no legal value
    stamp_box: Box | None  # top-left origin, points; None = invisible signature
    padding: str = "pkcs1v15"  # pkcs1v15, pss, or the key's algorithm when not RSA
    requested_level: str | None = None  # when the level reached is lower (no revocation data)
    needs_ltv: bool = False  # long-term validation data still to add (`sohoa sign extend`)
    ltv_reason: str | None = None  # why it could not be added at signing time

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stamp_box"] = list(self.stamp_box) if self.stamp_box else None
        return data


def sign_pdf(
    src: Path,
    dst: Path,
    *,
    signer: signers.Signer,
    stamp_box: Box | None,
    stamp_lines: Sequence[str] = (),
    field_name: str = "SohoaDigitization",
    reason: str = DEFAULT_REASON,
    location: str | None = None,
    level: Level = "B-B",
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    trust_roots: Sequence[Path] = (),
    md_algorithm: str = "sha256",
    timeout_s: float = 20,
    font: Path = STAMP_FONT,
    before_signing: Callable[[IncrementalPdfFileWriter], None] | None = None,
) -> SignatureSummary:
    """Sign ``src`` into ``dst`` at PAdES ``level`` with a stamp on page 1 at ``stamp_box``.

    ``stamp_box`` is ``(x0, y0, x1, y1)`` in PDF points with a **top-left** origin on page 1 (what
    ``signing.stamp.find_stamp_box`` returns); ``None`` makes an invisible signature. The stamp reads:
    the signer's name, the signing time, the ``stamp_lines`` (e.g. the agency) and, for the
    development certificate, ``DEV_STAMP_LINE``. From B-T up a TSA is needed (``tsa_url`` or a
    ready ``timestamper``); B-LT/B-LTA also validate the signer against ``trust_roots`` (default: the
    self-signed certificates in the signer's own chain) and fetch its revocation data.
    ``before_signing`` may add objects to the same incremental update (the approval's embedded JSON).
    Raises ``sohoa.errors.SigningError`` on any failure, leaving ``dst`` untouched.
    """
    if level not in LEVELS:
        raise SigningError(f"Mức chữ ký không hỗ trợ: {level}", hint=f"chọn một trong {', '.join(LEVELS)}")
    if level != "B-B" and timestamper is None and not tsa_url:
        raise SigningError(f"Chữ ký PAdES {level} cần máy chủ dấu thời gian", hint="đặt SOHOA_TSA_URL")
    cert = signer.signing_cert
    check_key_strength(cert)
    name = common_name(signer)
    development = is_development_certificate(cert)
    when = dt.datetime.now(VN_TZ).replace(microsecond=0)
    check_validity_period(cert, when)
    lines = [f"Ký số bởi: {name}", f"Thời gian ký: {when.isoformat()}", *stamp_lines]
    if development:
        lines.append(DEV_STAMP_LINE)
    roots = load_roots(trust_roots) or _own_roots(signer)
    source = Path(src).read_bytes() if Path(src).is_file() else None
    if source is None:
        raise SigningError("Không tìm thấy tệp cần ký", file=str(src))

    async def work(net: Network) -> tuple[bytes, str, str | None]:
        stamper = None if level == "B-B" else timestamper or net.timestamper(tsa_url)
        reached, why = level, None
        context = None
        if level in ("B-LT", "B-LTA"):
            context = net.context(roots, list(signer.cert_registry or []))
            try:
                await check_signer(signer, context)
            except RevinfoUnavailable as exc:
                reached, why, context = "B-T", str(exc), None
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm=md_algorithm,
            reason=reason,
            location=location,
            embed_validation_info=context is not None,
            use_pades_lta=reached == "B-LTA",
            validation_context=context,
        )
        try:
            data = await _sign_bytes(source, meta, signer, stamper, stamp_box, lines, font, when, before_signing)
            return data, reached, why
        finally:
            if context is not None:
                await context.aclose()

    try:
        data, reached, why = run_online(level != "B-B", timeout_s, work)
    except SigningError:
        raise
    except (OSError, PdfError, PyHankoSigningError, ValueError, KeyError, aiohttp.ClientError) as exc:
        raise SigningError(f"Ký số thất bại: {type(exc).__name__}: {exc}", file=str(src)) from exc
    try:
        _write_atomically(dst, data)
    except OSError as exc:
        raise SigningError(f"Không ghi được tệp đã ký: {exc}", file=str(dst)) from exc
    return SignatureSummary(
        field_name=field_name,
        signer=name,
        signing_time=when.isoformat(),
        level=f"PAdES {reached}",
        hash_algorithm=md_algorithm,
        development=development,
        stamp_box=stamp_box,
        padding=_padding(signer),
        requested_level=f"PAdES {level}" if reached != level else None,
        needs_ltv=reached not in ("B-LT", "B-LTA"),
        ltv_reason=why,
    )


def level_for(requested: Level, *, tsa_url: str | None, development: bool) -> Level:
    """The level to ask for: ``requested``, except that the embedded demo (development key, no TSA
    configured) signs B-B; a real key without a TSA is an error, since B-T is the floor for results."""
    if requested == "B-B" or tsa_url:
        return requested
    if development:
        return "B-B"
    raise SigningError(
        f"Chữ ký PAdES {requested} cần máy chủ dấu thời gian", hint="đặt SOHOA_TSA_URL (hoặc SOHOA_SIGN_LEVEL=B-B)"
    )


async def _sign_bytes(
    source: bytes,
    meta: signers.PdfSignatureMetadata,
    signer: signers.Signer,
    stamper: TimeStamper | None,
    stamp_box: Box | None,
    lines: list[str],
    font: Path,
    when: dt.datetime,
    before_signing: Callable[[IncrementalPdfFileWriter], None] | None,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(source))
    if before_signing is not None:
        before_signing(writer)
    spec = fields.SigFieldSpec(
        sig_field_name=meta.field_name or "Signature",
        on_page=0,
        box=_pdf_box(writer, stamp_box) if stamp_box else None,
    )
    pdf_signer = _PdfSignerAt(
        meta,
        signer=signer,
        timestamper=stamper,
        stamp_style=_stamp_style(font),
        new_field_spec=spec,
        signing_time=when,
    )
    out = io.BytesIO()
    await pdf_signer.async_sign_pdf(writer, output=out, appearance_text_params={"body": "\n".join(lines)})
    return out.getvalue()


def _own_roots(signer: signers.Signer) -> list[Any]:
    """The self-signed certificates the signer carries: whom it trusts when no roots are configured."""
    return [c for c in (signer.cert_registry or []) if c.self_signed == "maybe" or c.self_signed == "yes"]


def _padding(signer: signers.Signer) -> str:
    algorithm = signer.signing_cert.public_key.algorithm if signer.signing_cert else "?"
    if algorithm != "rsa":
        return algorithm
    return "pss" if getattr(signer, "prefer_pss", False) else "pkcs1v15"


class _PdfSignerAt(signers.PdfSigner):
    """A ``PdfSigner`` whose signing time (/M and appearance) is ours, so the stamp shows the same instant."""

    def __init__(self, *args: Any, signing_time: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def _stamp_style(font: Path) -> TextStampStyle:
    if not font.is_file():
        raise SigningError(f"Thiếu phông chữ cho con dấu chữ ký: {font}", hint="cài gói fonts-noto-core (apt)")
    box_style = text.TextBoxStyle(
        font=StampFontFactory(str(font), font_size=10),
        leading=13,  # room for stacked Vietnamese diacritics (ệ, ử)
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(5),  # pyHanko's default 10 pt wastes a small stamp
        ),
    )
    return TextStampStyle(stamp_text="%(body)s", text_box_style=box_style, border_width=1)


def _pdf_box(writer: IncrementalPdfFileWriter, box: Box) -> tuple[float, float, float, float]:
    """Top-left-origin box on page 1 -> pyHanko's bottom-left-origin field rectangle."""
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    media = _inherited(page, "/MediaBox")
    if _inherited(page, "/Rotate") not in (None, 0):
        raise SigningError(
            "Trang 1 đang xoay (/Rotate): chưa hỗ trợ đặt con dấu chữ ký",
            hint="xuất trang thẳng đứng trước khi ký",
        )
    x0, y0, x1, y1 = (float(v) for v in media)
    width, height = abs(x1 - x0), abs(y1 - y0)
    if not (0 <= box[0] < box[2] <= width and 0 <= box[1] < box[3] <= height):
        raise SigningError(
            f"Vị trí con dấu chữ ký {box} nằm ngoài trang 1 ({width:.0f}x{height:.0f} pt)",
            hint="tọa độ tính bằng point, gốc ở góc trên bên trái",
        )
    pdf_rect = to_pdf_rect(box, height, origin=(min(x0, x1), min(y0, y1)))
    return tuple(round(v, 2) for v in pdf_rect)  # type: ignore[return-value]


def _inherited(page: generic.DictionaryObject, key: str) -> Any:
    """Page attribute, looked up the /Parent chain as the PDF spec allows for MediaBox and Rotate."""
    node: Any = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return None
