"""Issue 11, item 3 (detection): every secrecy mark the generator draws (plain, boxed, red, red and boxed,
a tilted red stamp), at every level, is found by the page job on ten seeds; "bí mật" in a sentence,
"BẢO VỆ BÍ MẬT NHÀ NƯỚC" or "MẶT TRẬN" in a frame or in red, and every other kind on ten seeds, are not.

The refusal that follows (nothing kept but a tombstone) is tested in test_integrity_secret_refusal.py.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline import clean, ocr
from pipeline.documents import check_pages_secret
from pipeline.ingest import ingest
from pipeline.models import PageResult
from pipeline.page_job import PageContext, process_page
from pipeline.pages import page_refs
from pipeline.secrecy import find_mark, mark_of
from samples.documents import SECRECY_STYLES, STAMP_INK
from samples.forms import DOCUMENT_KINDS, build_pages
from samples.generator import generate_dossier, load_truth
from samples.layout import font
from samples.vocab import SECRECY
from sohoa.errors import SecretDocument
from sohoa.settings import Settings

# The seeds the check before issue 11 missed the framed mark on (every level among them); the other kinds on
# four seeds. benchmarks/secrecy.py runs all ten seeds of both: the suite keeps to CI's time.
MARK_SEEDS = (1, 2, 3, 4, 7, 8)
OTHER_SEEDS = range(1, 5)
OTHER_KINDS = [k for k in DOCUMENT_KINDS if k != "quyet_dinh_mat"]


def _pages(folder: Path, kind: str, seed: int, **secrecy: str) -> list[PageResult]:
    """The pages of one generated document (office scan, 150 dpi PDF) as the page job reads them."""
    scan = generate_dossier(folder, seed=seed, kinds=[kind], dpi=150, defects="office", **secrecy)
    settings = Settings(data_dir=folder / "data")
    sources = ingest([scan], settings, folder / "work")
    return [process_page(PageContext(ref, scan.name, folder / "work", settings)) for ref in page_refs(sources)]


def _refused(pages: list[PageResult]) -> bool:
    try:
        check_pages_secret(pages)
    except SecretDocument:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("style", SECRECY_STYLES)
def test_every_mark_style_is_found_at_every_level_on_the_hard_seeds(tmp_path: Path, style: str) -> None:
    levels = set()
    for seed in MARK_SEEDS:
        level = SECRECY[seed % len(SECRECY)]
        folder = tmp_path / str(seed)
        pages = _pages(folder, "quyet_dinh_mat", seed, secrecy=style, secrecy_level=level)
        [truth] = load_truth(folder)["documents"]
        assert (truth["fields"]["secrecy"], truth["secrecy_style"]) == (level, style)
        assert pages[0].secrecy == level, f"{style} seed {seed}: {pages[0].text[:300]!r}"
        levels.add(level)
    assert levels == set(SECRECY)


@pytest.mark.slow
@pytest.mark.parametrize("kind", OTHER_KINDS)
def test_no_other_kind_is_refused_on_four_seeds(tmp_path: Path, kind: str) -> None:
    for seed in OTHER_SEEDS:
        pages = _pages(tmp_path / str(seed), kind, seed)
        assert not _refused(pages), f"{kind} seed {seed} refused"


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("MẬT", "MẬT"),
        ("TỐI MẬT", "TỐI MẬT"),
        ("TUYỆT MẬT", "TUYỆT MẬT"),
        ("| TỐI MẬT |", "TỐI MẬT"),  # the frame read as bars
        ("I TUYỆT MẬT I", "TUYỆT MẬT"),  # ... or as letters
        ("[MẬT]", "MẬT"),
        ("MẶT", "MẬT"),  # a tone mark misread
        ("TÓI MÂT", "TỐI MẬT"),
        ("MẬT KHẨN", "MẬT"),  # urgency shares the line
        ("HỎA TỐC TUYỆT MẬT", "TUYỆT MẬT"),
        ("bí mật", None),
        ("Căn cứ Luật Bảo vệ bí mật nhà nước;", None),
        ("BẢO VỆ BÍ MẬT NHÀ NƯỚC", None),
        ("MẶT TRẬN", None),
        ("ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM", None),
        ("MẬT ONG", None),
        ("KHẨN", None),
        ("", None),
    ],
)
def test_a_line_is_a_mark_only_when_it_is_the_mark(text: str, mark: str | None) -> None:
    assert mark_of(text) == mark


def _stamped_page(stamps: list[tuple[str, bool, bool, float]]) -> np.ndarray:
    """A sheet (150 dpi) with ``stamps`` pressed in the upper part where a mark would be: (text, red,
    framed, tilt in degrees), two to a row."""
    image = build_pages("trang_trang", random.Random(1), 150)[0].image.copy()
    y = 250
    for i, (text, red, framed, tilt) in enumerate(stamps):
        ink = STAMP_INK if red else (0, 0, 0)
        face = font("bold", 39)
        w = round(face.getlength(text)) + 40
        stamp = Image.new("RGBA", (w, 70), (255, 255, 255, 0))
        draw = ImageDraw.Draw(stamp)
        draw.text((20, 50), text, font=face, fill=ink, anchor="ls")
        if framed:
            draw.rectangle((2, 2, w - 3, 67), outline=ink, width=3)
        stamp = stamp.rotate(tilt, expand=True, resample=Image.Resampling.BICUBIC)
        x = 200 + (i % 2) * 640
        image.paste(stamp, (x, y + (i // 2) * 120), stamp)
    return np.asarray(image)


def _page_mark(rgb: np.ndarray) -> str | None:
    """What the page job's check says of an upright page (its clean, OCR and secrecy steps)."""
    for_ocr = clean.binarize(clean.reading_grey(rgb))
    words = ocr.recognize(for_ocr)
    page = PageResult(1, "x.png", 150, False, rgb.shape[1], rgb.shape[0], 0, 0.0, Path("x.jpg"), words)
    return find_mark(page, rgb, for_ocr)


def test_frames_and_red_ink_holding_other_words_are_no_mark() -> None:
    negatives = [
        ("MẶT TRẬN", True, True, 5.0),
        ("BẢO VỆ BÍ MẬT", False, True, 0.0),
        ("bí mật", True, False, 0.0),
        ("ĐÃ KÝ", True, True, -4.0),
    ]
    assert _page_mark(_stamped_page(negatives)) is None
    # the same pressing with a mark among them is found: the check above could have failed
    assert _page_mark(_stamped_page([*negatives[:3], ("TỐI MẬT", True, True, -4.0)])) == "TỐI MẬT"


def test_the_mark_style_and_level_can_be_asked_for_and_change_nothing_else() -> None:
    drawn = {}
    for style in SECRECY_STYLES:
        rng = random.Random(7)
        [page] = build_pages("quyet_dinh_mat", rng, 100, secrecy_style=style, secrecy_level="TỐI MẬT")
        assert (page.secrecy_style, page.fields["secrecy"]) == (style, "TỐI MẬT")
        x0, y0, x1, y1 = page.field_boxes["secrecy"]
        mark = np.asarray(page.image, dtype=np.int16)[y0:y1, x0:x1]
        redness = mark[..., 0] - np.maximum(mark[..., 1], mark[..., 2])
        assert (redness.max() > 100) == (style in ("red", "red_boxed", "stamp")), style
        drawn[style] = (rng.getstate(), {k: v for k, v in page.fields.items() if k != "secrecy"})
    assert len({repr(v) for v in drawn.values()}) == 1  # same draws, same fields: only the mark differs
    # left to the seed, every style turns up; other kinds ignore the options
    assert {build_pages("quyet_dinh_mat", random.Random(s), 72)[0].secrecy_style for s in range(13)} == set(
        SECRECY_STYLES
    )
    plain = build_pages("don", random.Random(3), 72)[0]
    asked = build_pages("don", random.Random(3), 72, secrecy_style="stamp", secrecy_level="MẬT")[0]
    assert plain.image.tobytes() == asked.image.tobytes() and asked.secrecy_style is None


def test_sohoa_samples_draws_the_asked_mark_and_refuses_an_unknown_style(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "sohoa", "samples", "--kinds", "quyet_dinh_mat", "--defects", "clean", "--dpi", "72"]
    ok = subprocess.run([*run, "--out", str(tmp_path / "a"), "--secrecy", "red_boxed", "--secrecy-level", "MẬT"],
                        capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    [doc] = load_truth(tmp_path / "a")["documents"]
    assert (doc["secrecy_style"], doc["fields"]["secrecy"]) == ("red_boxed", "MẬT")
    bad = subprocess.run([*run, "--out", str(tmp_path / "b"), "--secrecy", "wavy"], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "wavy" in bad.stderr and "Traceback" not in bad.stderr
