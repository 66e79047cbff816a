"""Sign a finished PDF (PAdES) with a visible Vietnamese stamp on page 1, as its very last write.

Why it is shaped this way:

* The signature is an incremental update on the given bytes; any later full rewrite (pikepdf)
  destroys it, so this must be the last step before the bytes are stored (notes/signing.md §3.3).
* The stamp font is NotoSans embedded through ``GlyphAccumulatorFactory``: pyHanko's default font
  silently prints Vietnamese as mojibake (notes/signing.md §3.4).
* The time on the stamp and the time in the signature (/M) are the same instant, chosen here, in
  Vietnam time (+07:00, no daylight saving).
* The output appears at ``dst`` all at once (temp file + rename): never a half-written signed PDF.

Level: PAdES B-B without a ``timestamper``, B-T with one. B-LT/B-LTA (validation data, archive
timestamps) come with the approval signature and need a TSA and OCSP/CRL access.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic, layout, text
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import TextStampStyle

from signing.keys import common_name, is_development_certificate
from signing.stamp import Box, to_pdf_rect
from sohoa.errors import SigningError

__all__ = ["DEV_STAMP_LINE", "STAMP_FONT", "VN_TZ", "SignatureSummary", "sign_pdf"]

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh has no DST
STAMP_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")  # apt: fonts-noto-core
DEV_STAMP_LINE = "BẢN THỬ NGHIỆM – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
DEFAULT_REASON = "Bản số hóa đúng với bản giấy"


@dataclass(frozen=True)
class SignatureSummary:
    """What was signed, for the result record (``to_dict`` is JSON-ready)."""

    field_name: str
    signer: str  # subject common name
    signing_time: str  # ISO 8601, +07:00
    level: str  # "PAdES B-B" / "PAdES B-T"
    hash_algorithm: str
    development: bool  # signed with the development certificate: no legal value
    stamp_box: Box | None  # top-left origin, points; None = invisible signature

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
    timestamper: TimeStamper | None = None,
    font: Path = STAMP_FONT,
) -> SignatureSummary:
    """Sign ``src`` into ``dst`` with a stamp on page 1 at ``stamp_box``.

    ``stamp_box`` is ``(x0, y0, x1, y1)`` in PDF points with a **top-left** origin on page 1 (what
    ``signing.stamp.find_stamp_box`` returns); ``None`` makes an invisible signature. The stamp reads:
    the signer's name, the signing time, the ``stamp_lines`` (e.g. the agency) and, for the
    development certificate, ``DEV_STAMP_LINE``. Raises ``sohoa.errors.SigningError`` on any failure,
    leaving ``dst`` untouched.
    """
    cert = signer.signing_cert
    name = common_name(signer)
    development = cert is not None and is_development_certificate(cert)
    when = dt.datetime.now(VN_TZ).replace(microsecond=0)
    lines = [f"Ký số bởi: {name}", f"Thời gian ký: {when.isoformat()}", *stamp_lines]
    if development:
        lines.append(DEV_STAMP_LINE)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    tmp = dst.parent / f".{dst.name}.{secrets.token_hex(4)}.part"
    try:
        with open(src, "rb") as inf:
            writer = IncrementalPdfFileWriter(inf)
            spec = fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=0,
                box=_pdf_box(writer, stamp_box) if stamp_box else None,
            )
            pdf_signer = _PdfSignerAt(
                meta,
                signer=signer,
                timestamper=timestamper,
                stamp_style=_stamp_style(font),
                new_field_spec=spec,
                signing_time=when,
            )
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "wb") as out:
                pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"body": "\n".join(lines)})
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, dst)
    except (OSError, PdfError, PyHankoSigningError, ValueError, KeyError) as exc:
        raise SigningError(f"Ký số thất bại: {exc}", file=str(src)) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return SignatureSummary(
        field_name=field_name,
        signer=name,
        signing_time=when.isoformat(),
        level="PAdES B-T" if timestamper else "PAdES B-B",
        hash_algorithm="sha256",
        development=development,
        stamp_box=stamp_box,
    )


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
        font=GlyphAccumulatorFactory(str(font), font_size=10),
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
