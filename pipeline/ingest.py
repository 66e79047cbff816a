"""Ingest: validate every input, hash it and describe it, before anything else touches it.

Inputs are PDFs, multi-page TIFFs, JPEG/PNG files or folders of them; together they form one dossier.
Bad input raises one ``BadInput`` error naming the file and the reason. A PDF that needs repair or
only carries an owner password is accepted, and the ``Source.notes`` say so, so the reader knows.

Every page is measured here, without rendering (page boxes and image headers): its size in inches
(``min_page_side_in``..``max_page_side_in``) and its pixels at the resolution it will be read at
(``max_page_megapixels``). A page the later stages would refuse (too big to render, too small for the
signature stamp) is thus refused before anything is stored, by ``sohoa check``, ``process`` and ``submit``
alike. A symbolic link inside an input folder that points outside it is refused (``_folder_files``).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import pikepdf
from PIL import Image, UnidentifiedImageError

from pipeline.models import Source, SourceKind
from pipeline.pages import image_dpi, pdf_page_dpi, render_dpi
from pipeline.pdf_traits import PdfTraits, read_traits
from sohoa.errors import (
    BadInput,
    BadPageSize,
    BrokenPdf,
    EmptyFile,
    EncryptedPdf,
    TooLarge,
    TooManyPages,
    UnsafeLink,
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
    """Files as given; folders expanded (recursively) to their supported files in path order.

    A file or folder named as an argument may itself be a symbolic link: the user named it.
    """
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = _folder_files(item)
            if not found:
                raise BadInput("thư mục không có tệp PDF/TIFF/JPEG/PNG nào", file=str(item))
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            raise BadInput("không tìm thấy tệp", file=str(item))
    return files


def _folder_files(folder: Path) -> list[Path]:
    """The supported files under ``folder``, recursively, in path order.

    A symbolic link anywhere in the folder that resolves outside it (or nowhere: broken, or a loop) is
    refused with ``UnsafeLink`` naming it: a desk folder holding a link to ``/etc`` or to another
    citizen's scans is an attack or a mistake, and silently skipping it would hand in a dossier short of
    what the clerk saw. Links to files inside the folder are read like the files; linked folders are not
    entered (their files are in the tree already), so a loop cannot make the walk go round.
    """
    root = folder.resolve()
    found: list[Path] = []
    for here, dirs, names in os.walk(folder):  # followlinks=False: linked folders are listed, not entered
        for name in sorted([*dirs, *names]):
            path = Path(here, name)
            if path.is_symlink():
                _check_link(path, root)
        found.extend(p for p in (Path(here, n) for n in names) if _looks_supported(p) and p.is_file())
    return sorted(found)


def _check_link(link: Path, root: Path) -> None:
    """Refuse ``link`` unless it resolves to an existing path inside ``root``."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing target, or a loop (RuntimeError before Python 3.13)
        raise UnsafeLink(
            "liên kết tượng trưng hỏng hoặc lặp vòng trong thư mục hồ sơ",
            hint="xóa liên kết rồi nộp lại",
            file=str(link),
        ) from exc
    if not target.is_relative_to(root):
        raise UnsafeLink(
            f"liên kết tượng trưng trỏ ra ngoài thư mục hồ sơ (tới {target})",
            hint="chép tệp cần nộp vào thư mục thay cho liên kết",
            file=str(link),
        )


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
        readable, pages, notes, traits = _check_pdf(path, digest, work_dir, settings)
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


def _check_pdf(
    path: Path, digest: str, work_dir: Path, settings: Settings
) -> tuple[Path, int, tuple[str, ...], PdfTraits]:
    """Open with qpdf (via pikepdf); measure every page; repair or decrypt into a work copy when needed;
    read its traits (signatures, active content).

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
        if pages <= settings.max_pages:  # more is refused by the caller, without measuring them all
            _check_pdf_pages(pdf, path, settings)
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


def _check_pdf_pages(pdf: pikepdf.Pdf, path: Path, settings: Settings) -> None:
    """Each page's MediaBox (what pdftoppm renders) in inches, and its pixels at the resolution it will be
    rendered at (``pipeline.pages``): from the page dictionaries and image headers only."""
    for index in range(len(pdf.pages)):
        try:
            dpi, _estimated, w_in, h_in = pdf_page_dpi(pdf, index)
        except (pikepdf.PdfError, ValueError, TypeError, IndexError) as exc:
            raise BrokenPdf(f"PDF hỏng, không đọc được khổ trang {index + 1} ({_short(exc)})", file=str(path)) from exc
        _check_page_inches(index + 1, w_in, h_in, path, settings, check_max=True)
        dpi = render_dpi(dpi, settings)
        _check_page_pixels(index + 1, round(w_in * dpi), round(h_in * dpi), path, settings)


def _check_page_inches(
    number: int, w_in: float, h_in: float, path: Path, settings: Settings, *, check_max: bool
) -> None:
    """Both sides at least ``min_page_side_in`` (room for the signature stamp, whichever way the page is
    turned upright) and, when ``check_max``, at most ``max_page_side_in``."""
    size = f"{w_in:.2f} x {h_in:.2f} inch"
    if min(w_in, h_in) < settings.min_page_side_in:
        raise BadPageSize(
            f"trang {number} quá nhỏ ({size}): mỗi cạnh cần ít nhất {settings.min_page_side_in:g} inch để đặt "
            "dấu chữ ký số",
            hint="quét lại trên khổ giấy A4 hoặc A5",
            file=str(path),
        )
    if check_max and max(w_in, h_in) > settings.max_page_side_in:
        raise BadPageSize(
            f"khổ trang {number} bất thường ({size}): mỗi cạnh tối đa {settings.max_page_side_in:g} inch",
            file=str(path),
        )


def _check_page_pixels(number: int, w: int, h: int, path: Path, settings: Settings) -> None:
    if w * h > settings.max_page_megapixels * 1_000_000:
        raise TooLarge(
            f"trang {number} quá lớn ({w}x{h} điểm ảnh, giới hạn {settings.max_page_megapixels:g} megapixel)",
            file=str(path),
        )


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
                dpi, _estimated = image_dpi(img.info.get("dpi"), w, h)
                # No upper bound in inches: an image's inches are only its dpi tag; its pixels are bounded above.
                _check_page_inches(i + 1, w / dpi, h / dpi, path, settings, check_max=False)
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"ảnh quá lớn ({_short(exc)})", file=str(path)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnsupportedFormat(f"không đọc được ảnh ({_short(exc)})", file=str(path)) from exc
    return frames


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
