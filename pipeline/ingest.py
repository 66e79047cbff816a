"""Ingest: validate every input, hash it and describe it, before anything else touches it.

Inputs are PDFs, multi-page TIFFs, JPEG/PNG files or folders of them; together they form one dossier.
Bad input raises one ``BadInput`` error naming the file and the reason. A PDF that needs repair or
only carries an owner password is accepted, and the ``Source.notes`` say so, so the reader knows.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pikepdf
from PIL import Image, UnidentifiedImageError

from pipeline.models import Source, SourceKind
from pipeline.pdf_traits import PdfTraits, read_traits
from sohoa.errors import (
    BadInput,
    BrokenPdf,
    EmptyFile,
    EncryptedPdf,
    TooLarge,
    TooManyPages,
    UnsupportedFormat,
)
from sohoa.settings import Settings

IMAGE_SUFFIXES = {".tif": "tiff", ".tiff": "tiff", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png"}
MAGIC: list[tuple[bytes, SourceKind]] = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
]


def expand_inputs(inputs: list[Path]) -> list[Path]:
    """Files as given; folders expanded (recursively) to their supported files in path order."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.is_file() and _looks_supported(p))
            if not found:
                raise BadInput("thư mục không có tệp PDF/TIFF/JPEG/PNG nào", file=str(item))
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            raise BadInput("không tìm thấy tệp", file=str(item))
    return files


def _looks_supported(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES or path.suffix.lower() == ".pdf"


def sha256_file(path: Path) -> str:
    """Streamed sha256, so a large scan is never read into memory at once."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sniff_kind(path: Path) -> SourceKind:
    """File type from its first bytes, not its name: a renamed file is still caught."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise EmptyFile("tệp rỗng (0 byte)", file=str(path))
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head:  # junk before the header: readers accept it, so do we
        return "pdf"
    raise UnsupportedFormat("không phải tệp PDF, TIFF, JPEG hay PNG", file=str(path))


def ingest_file(path: Path, settings: Settings, work_dir: Path) -> Source:
    """Validate one file and return its description; may write a repaired copy into ``work_dir``."""
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile("tệp rỗng (0 byte)", file=str(path))
    if size > settings.max_input_bytes:
        raise TooLarge(f"tệp quá lớn ({size} byte, giới hạn {settings.max_input_bytes})", file=str(path))
    kind = sniff_kind(path)
    digest = sha256_file(path)
    traits = PdfTraits()
    if kind == "pdf":
        readable, pages, notes, traits = _check_pdf(path, digest, work_dir)
    else:
        readable, pages, notes = path, _check_image(path, kind, settings), ()
    if pages > settings.max_pages:
        raise TooManyPages(f"{pages} trang, vượt giới hạn {settings.max_pages} trang", file=str(path))
    return Source(
        path=path,
        readable=readable,
        filename=path.name,
        sha256=digest,
        kind=kind,
        size=size,
        page_count=pages,
        notes=notes,
        signatures=traits.signatures,
        active_content=traits.active_content,
    )


def ingest(inputs: list[Path], settings: Settings, work_dir: Path) -> list[Source]:
    """Validate all inputs of one dossier; fails on the first bad one, before anything is stored."""
    files = expand_inputs(inputs)
    sources = [ingest_file(p, settings, work_dir) for p in files]
    total = sum(s.page_count for s in sources)
    if total > settings.max_pages:
        raise TooManyPages(f"hồ sơ có {total} trang, vượt giới hạn {settings.max_pages} trang")
    return sources


def _check_pdf(path: Path, digest: str, work_dir: Path) -> tuple[Path, int, tuple[str, ...], PdfTraits]:
    """Open with qpdf (via pikepdf); repair or decrypt into a work copy when needed; read its traits.

    The original stays untouched: the repaired/decrypted copy is only what we rasterize.
    """
    notes: list[str] = []
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedPdf(
            "PDF được bảo vệ bằng mật khẩu mở tệp (user password)",
            hint="hãy gỡ mật khẩu rồi nộp lại",
            file=str(path),
        ) from exc
    except pikepdf.PdfError as exc:
        raise BrokenPdf(f"PDF hỏng, không sửa được ({_short(exc)})", file=str(path)) from exc
    with pdf:
        if pdf.is_encrypted:
            notes.append("decrypted: the PDF had only an owner password (permissions), removed for processing")
        try:
            pages = len(pdf.pages)
        except pikepdf.PdfError as exc:
            raise BrokenPdf(f"PDF hỏng, không đọc được danh sách trang ({_short(exc)})", file=str(path)) from exc
        if pages == 0:
            raise BrokenPdf("PDF không có trang nào", file=str(path))
        traits = read_traits(pdf)
        repaired = _needs_repair(path)
        if repaired:
            notes.append("repaired: the PDF structure was damaged and was rebuilt by qpdf")
        if notes:
            work_dir.mkdir(parents=True, exist_ok=True)
            fixed = work_dir / f"{digest[:16]}-readable.pdf"
            try:
                pdf.save(fixed)
            except pikepdf.PdfError as exc:
                raise BrokenPdf(f"PDF hỏng, không sửa được ({_short(exc)})", file=str(path)) from exc
            return fixed, pages, tuple(notes), traits
    return path, pages, (), traits


def _needs_repair(path: Path) -> bool:
    """qpdf recovers silently from a broken xref; its warnings tell us the file was damaged."""
    with warnings.catch_warnings(record=True):
        try:
            with pikepdf.open(path, attempt_recovery=False):
                return False
        except pikepdf.PdfError:
            return True


def _check_image(path: Path, kind: SourceKind, settings: Settings) -> int:
    """Frame count and pixel limits, read from headers only (no decoding of pixel data)."""
    limit = int(settings.max_page_megapixels * 1_000_000)
    try:
        with warnings.catch_warnings():
            # Only headers are read here; our own limit below decides, so PIL's warning is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            frames = getattr(img, "n_frames", 1)
            for i in range(frames):
                img.seek(i)
                w, h = img.size
                if w * h > limit:
                    raise TooLarge(
                        f"ảnh trang {i + 1} quá lớn ({w}x{h} điểm ảnh, giới hạn "
                        f"{settings.max_page_megapixels:g} megapixel)",
                        file=str(path),
                    )
                if w < 16 or h < 16:
                    raise BadInput(f"ảnh trang {i + 1} quá nhỏ ({w}x{h} điểm ảnh)", file=str(path))
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"ảnh quá lớn ({_short(exc)})", file=str(path)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnsupportedFormat(f"không đọc được ảnh ({_short(exc)})", file=str(path)) from exc
    return frames


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
