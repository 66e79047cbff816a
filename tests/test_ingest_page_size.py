"""Page sizes are checked at ingest: a page too small for the signature stamp or absurdly large is refused
before anything is stored (exit 2), by `sohoa check`, `sohoa process` and `sohoa submit` alike.

Before, a page too small for the stamp was OCRed, stored and then failed at signing (exit 1, a ``failed``
dossier that the queue retried), and a 200-inch page was refused only once a page worker rendered it.
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import SOHOA
from PIL import Image, ImageDraw

from pipeline.ingest import ingest
from signing.stamp import STAMP_HEIGHT, STAMP_MARGIN, STAMP_WIDTH, find_stamp_box
from sohoa.errors import BadPageSize, SigningError, TooLarge
from sohoa.settings import Settings

SAMPLE = Path(__file__).parents[1] / "samples" / "dossiers" / "quyet-dinh" / "scan.pdf"


def pdf_page(path: Path, width_pt: float, height_pt: float, image: Image.Image | None = None) -> Path:
    """A one-page PDF of the given MediaBox, filled by ``image`` (a grey page with a line of text if None)."""
    if image is None:
        w_px, h_px = max(16, round(width_pt / 72 * 200)), max(16, round(height_pt / 72 * 200))
        image = Image.new("L", (min(w_px, 4000), min(h_px, 4000)), 255)
        ImageDraw.Draw(image).text((5, 5), "Xin chao", fill=0)
    buf = io.BytesIO()
    image.convert("L").save(buf, "JPEG")
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.MediaBox = pikepdf.Array([0, 0, width_pt, height_pt])
    xobj = pikepdf.Stream(
        pdf, buf.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=image.width,
        Height=image.height, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode,
    )  # fmt: skip
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobj))
    page.Contents = pdf.make_stream(f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode())
    pdf.save(path)
    return path


def dossiers_stored(data_dir: Path) -> int:
    """Dossier rows in the data folder's database (0 when there is no database at all)."""
    db = data_dir / "sohoa.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        return conn.execute("select count(*) from dossiers").fetchone()[0] if "dossiers" in tables else 0


def stored_objects(data_dir: Path) -> list[Path]:
    objects = data_dir / "objects"
    return [p for p in objects.rglob("*") if p.is_file()] if objects.exists() else []


@pytest.mark.parametrize(
    "name,width_pt,height_pt",
    [
        ("card.pdf", 120, 160),  # 1.7 x 2.2 in: the stamp cannot fit at any scale
        ("strip.pdf", 595, 40),  # A4 wide, 0.6 in high
        ("dot.pdf", 1, 1),
    ],
)
def test_page_too_small_for_the_stamp_is_refused_at_ingest(
    tmp_path: Path, name: str, width_pt: float, height_pt: float
) -> None:
    path = pdf_page(tmp_path / name, width_pt, height_pt)
    with pytest.raises(BadPageSize) as exc:
        ingest([path], Settings(data_dir=tmp_path / "data"), tmp_path / "w")
    assert name in exc.value.one_line() and "quá nhỏ" in exc.value.one_line()


@pytest.mark.parametrize("name,width_pt,height_pt", [("poster.pdf", 14400, 14400), ("banner.pdf", 14400, 300)])
def test_absurd_page_box_is_refused_at_ingest(tmp_path: Path, name: str, width_pt: float, height_pt: float) -> None:
    """200 inches a side (the PDF maximum): the square one used to be refused only when a page worker
    rendered it, the banner was processed and signed as a 200-inch page."""
    path = pdf_page(tmp_path / name, width_pt, height_pt, Image.new("L", (2000, 40), 255))
    with pytest.raises(BadPageSize) as exc:
        ingest([path], Settings(data_dir=tmp_path / "data"), tmp_path / "w")
    assert name in exc.value.one_line() and "bất thường" in exc.value.one_line()


def test_page_over_the_pixel_limit_at_its_rendering_resolution_is_refused_at_ingest(tmp_path: Path) -> None:
    """A 40 x 40 inch page rendered at the 100 dpi floor is 16 megapixels: over a 10 megapixel limit."""
    path = pdf_page(tmp_path / "plan.pdf", 40 * 72, 40 * 72, Image.new("L", (400, 400), 255))
    with pytest.raises(TooLarge) as exc:
        ingest([path], Settings(data_dir=tmp_path / "data", max_page_megapixels=10), tmp_path / "w")
    assert "plan.pdf" in exc.value.one_line()


def test_image_page_too_small_for_the_stamp_is_refused_at_ingest(tmp_path: Path) -> None:
    """An image's size is its pixels at its dpi tag: 500 x 300 pixels at 300 dpi is 1.7 x 1 inch."""
    path = tmp_path / "stub.png"
    Image.new("RGB", (500, 300), "white").save(path, dpi=(300, 300))
    with pytest.raises(BadPageSize) as exc:
        ingest([path], Settings(data_dir=tmp_path / "data"), tmp_path / "w")
    assert "stub.png" in exc.value.one_line()


def test_a5_a6_and_phone_photo_pages_pass_ingest(tmp_path: Path) -> None:
    a5 = pdf_page(tmp_path / "a5.pdf", 420, 595)
    a6 = pdf_page(tmp_path / "a6.pdf", 298, 420)
    photo = tmp_path / "photo.jpg"  # a phone's 72 dpi tag: 56 inches "wide", bounded by its pixels instead
    Image.new("RGB", (4032, 3024), "white").save(photo, dpi=(72, 72))
    sources = ingest([a5, a6, photo], Settings(data_dir=tmp_path / "data"), tmp_path / "w")
    assert [s.filename for s in sources] == ["a5.pdf", "a6.pdf", "photo.jpg"]


def test_the_smallest_page_ingest_accepts_has_room_for_the_stamp() -> None:
    """The floor of ``min_page_side_in`` is what the stamp needs, in both orientations (a page may be turned
    upright by 90 degrees after ingest); just under it a portrait page has no room."""
    field = Settings.model_fields["min_page_side_in"]
    floor = next(m.ge for m in field.metadata if getattr(m, "ge", None) is not None)
    stamp = {"stamp_width": STAMP_WIDTH, "stamp_height": STAMP_HEIGHT, "margin": STAMP_MARGIN}
    for side in (floor, Settings().min_page_side_in):
        for w_in, h_in in ((side, side), (side, 50.0), (50.0, side)):
            find_stamp_box(w_in * 72, h_in * 72, [], **stamp)  # raises when there is no room
    with pytest.raises(SigningError):
        find_stamp_box((floor - 0.05) * 72, 11.0 * 72, [], **stamp)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("command", ["process", "submit", "check"])
def test_page_too_small_for_the_stamp_exits_2_and_nothing_is_stored(
    tmp_path: Path, data_env: dict[str, str], command: str
) -> None:
    small = pdf_page(tmp_path / "small.pdf", 120, 160)
    args = [command, str(small)] + (["--out", str(tmp_path / "out")] if command == "process" else [])
    done = _run(data_env, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "small.pdf" in lines[0] and "quá nhỏ" in lines[0], done.stderr
    data = Path(data_env["SOHOA_DATA_DIR"])
    assert dossiers_stored(data) == 0
    assert stored_objects(data) == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
def test_a5_page_at_200_dpi_gets_its_stamp(tmp_path: Path, data_env: dict[str, str]) -> None:
    """A page of the sample decision scaled to A5 at 200 dpi: processed, signed, the stamp on page 1 inside the page."""
    with pikepdf.open(SAMPLE) as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        page = pikepdf.PdfImage(image).as_pil_image()
    a5 = pdf_page(tmp_path / "a5.pdf", 420, 595, page.resize((1166, 1654)))
    out = tmp_path / "out"
    done = _run(data_env, "process", str(a5), "--out", str(out))
    assert done.returncode == 0, done.stderr
    signed = sorted(out.glob("*-01.pdf"))
    assert signed, list(out.iterdir())
    with pikepdf.open(signed[0]) as pdf:
        first = pdf.pages[0]
        box = [float(v) for v in first.mediabox]
        widgets = [a for a in first.get("/Annots", []) if a.get("/FT") == "/Sig" or "/Parent" in a]
        rects = [[float(v) for v in w.Rect] for w in widgets if "/Rect" in w]
    stamped = [r for r in rects if r[2] - r[0] > 50 and r[3] - r[1] > 10]
    assert stamped, rects
    x0, y0, x1, y1 = stamped[0]
    assert box[0] <= x0 < x1 <= box[2] and box[1] <= y0 < y1 <= box[3]
    assert round(box[2] - box[0]) in (419, 420) and round(box[3] - box[1]) in (595, 596)
