"""Ingest refuses bad input with one clear error naming the file, and accepts what it can repair."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from pipeline.ingest import ingest, ingest_file, sniff_kind
from sohoa.errors import BrokenPdf, EmptyFile, EncryptedPdf, TooLarge, TooManyPages, UnsupportedFormat
from sohoa.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _pdf_with_image(path: Path, pages: int = 1, **save_kwargs: object) -> Path:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path, **save_kwargs)
    return path


def test_empty_file_is_refused(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "empty.pdf"
    f.write_bytes(b"")
    with pytest.raises(EmptyFile) as exc:
        ingest_file(f, settings, tmp_path / "w")
    assert "empty.pdf" in exc.value.one_line()


def test_text_file_renamed_pdf_is_not_a_pdf(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "letter.pdf"
    f.write_text("đây không phải PDF")
    with pytest.raises(UnsupportedFormat):
        sniff_kind(f)


def test_garbage_after_pdf_header_cannot_be_repaired(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "broken.pdf"
    f.write_bytes(b"%PDF-1.4\n" + bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)))
    with pytest.raises(BrokenPdf) as exc:
        ingest_file(f, settings, tmp_path / "w")
    assert "broken.pdf" in exc.value.one_line()


def test_damaged_xref_is_repaired_and_noted(tmp_path: Path, settings: Settings) -> None:
    good = _pdf_with_image(tmp_path / "good.pdf", pages=2, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = good.read_bytes()
    cut = data.rfind(b"xref")
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data[:cut] + b"xref\n0 999\ngarbage\ntrailer\n<<>>\nstartxref\n12\n%%EOF\n")
    src = ingest_file(damaged, settings, tmp_path / "w")
    assert src.page_count == 2
    assert any(n.startswith("repaired") for n in src.notes)
    assert src.path == damaged and src.readable != damaged  # the original stays untouched
    assert damaged.read_bytes().endswith(b"%%EOF\n")


def test_user_password_pdf_is_refused(tmp_path: Path, settings: Settings) -> None:
    f = _pdf_with_image(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(user="mo", owner="chu"))
    with pytest.raises(EncryptedPdf) as exc:
        ingest_file(f, settings, tmp_path / "w")
    assert "mật khẩu" in exc.value.message


def test_owner_password_only_pdf_is_decrypted_and_noted(tmp_path: Path, settings: Settings) -> None:
    f = _pdf_with_image(tmp_path / "perm.pdf", encryption=pikepdf.Encryption(user="", owner="chu"))
    src = ingest_file(f, settings, tmp_path / "w")
    assert any(n.startswith("decrypted") for n in src.notes)
    with pikepdf.open(src.readable) as pdf:
        assert not pdf.is_encrypted


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares huge dimensions: a decompression bomb needs no pixel data to be refused."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)))
    return path


def test_pixel_bomb_png_is_refused_before_decoding(tmp_path: Path, settings: Settings) -> None:
    f = _png_header_only(tmp_path / "bomb.png", 60000, 60000)
    with pytest.raises((TooLarge, UnsupportedFormat)) as exc:
        ingest_file(f, settings, tmp_path / "w")
    assert "bomb.png" in exc.value.one_line()


def test_image_over_pixel_limit_is_refused(tmp_path: Path) -> None:
    small_limit = Settings(data_dir=tmp_path, max_page_megapixels=0.5)
    f = tmp_path / "big.png"
    Image.new("RGB", (1000, 1000), "white").save(f)
    with pytest.raises(TooLarge):
        ingest_file(f, small_limit, tmp_path / "w")


def test_too_many_pages_is_refused(tmp_path: Path) -> None:
    few = Settings(data_dir=tmp_path, max_pages=2)
    f = _pdf_with_image(tmp_path / "long.pdf", pages=3)
    with pytest.raises(TooManyPages):
        ingest_file(f, few, tmp_path / "w")


def test_page_limit_counts_the_whole_dossier(tmp_path: Path) -> None:
    few = Settings(data_dir=tmp_path, max_pages=3)
    a = _pdf_with_image(tmp_path / "a.pdf", pages=2)
    b = _pdf_with_image(tmp_path / "b.pdf", pages=2)
    with pytest.raises(TooManyPages):
        ingest([a, b], few, tmp_path / "w")


def test_folder_is_expanded_in_name_order(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("b.png", "a.png"):
        Image.new("RGB", (300, 400), "white").save(folder / name)
    (folder / "notes.txt").write_text("ignored")
    sources = ingest([folder], settings, tmp_path / "w")
    assert [s.filename for s in sources] == ["a.png", "b.png"]
    assert all(len(s.sha256) == 64 for s in sources)
