"""CER of pages whose text touches line art (a slanted parcel sketch, a ruled table, frames), drawn here.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/line_art.py [--seeds 3] [--dpi 200,300] [--show]

Why: on a layout we did not draw, a certificate page with a parcel sketch read at CER ~37 %: strokes
became characters and the edge lengths printed on them were lost. Each page (``tests/line_art_pages.py``:
three fonts the sample families do not use, seeded shapes, scanner noise, blur, skew, JPEG) goes through
the real page job, its searchable PDF through ``pdftotext -layout`` as ``benchmarks/extract.py`` does, and
is compared with the drawn text (``samples.cer``). Also: how many edge lengths were read, and how many
words are garbage (``reading_quality.is_garbage``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from line_art_pages import FONTS, draw_line_art_page, save_png  # noqa: E402

from pipeline.models import PageRef  # noqa: E402
from pipeline.page_job import PageContext, process_page  # noqa: E402
from pipeline.pdf import build_searchable_pdf  # noqa: E402
from pipeline.reading_quality import is_garbage  # noqa: E402
from samples.cer import cer  # noqa: E402
from sohoa.settings import Settings  # noqa: E402


def read_page(png: Path, work: Path) -> tuple[str, list[str], float, int]:
    """(pdftotext text, word texts, OCR seconds, garbage words) of one page through the page job."""
    settings = Settings(data_dir=work / "data")
    t = time.perf_counter()
    page = process_page(PageContext(PageRef(1, 0, png, "png", 0), png.name, work / "work", settings))
    seconds = time.perf_counter() - t
    pdf = build_searchable_pdf([page], work / "page.pdf")
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True)
    return out.stdout, [w.text for w in page.words], seconds, sum(map(is_garbage, page.words))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dpi", default="200,300")
    parser.add_argument("--show", action="store_true", help="print each page's text")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dpi in (int(v) for v in args.dpi.split(",")):
            for seed in range(args.seeds):
                font = sorted(FONTS)[seed % len(FONTS)]
                page = draw_line_art_page(dpi=dpi, font=font, seed=seed)
                work = Path(tmp) / f"{dpi}-{seed}"
                work.mkdir()
                text, words, seconds, garbage = read_page(save_png(page, work / "scan.png"), work)
                rate = cer("\n".join(page.lines), text)
                read = sum(label in words for label in page.labels)
                rows.append((dpi, seed, font, rate, read, len(page.labels), garbage, len(words), seconds))
                if args.show:
                    print(f"--- {dpi} dpi seed {seed} {font}\n{text}")
    print(f"{'dpi':>4} {'seed':>4} {'font':<13} {'CER':>6} {'labels':>7} {'garbage':>8} {'s':>5}")
    for dpi, seed, font, rate, read, labels, garbage, words, seconds in rows:
        print(
            f"{dpi:>4} {seed:>4} {font:<13} {rate:>6.1%} {read:>3}/{labels:<3} {garbage:>3}/{words:<4} {seconds:>5.1f}"
        )
    mean = sum(r[3] for r in rows) / len(rows)
    print(f"mean CER {mean:.1%}, worst {max(r[3] for r in rows):.1%}, labels read {sum(r[4] for r in rows)}/"
          f"{sum(r[5] for r in rows)}, garbage words {sum(r[6] for r in rows)}")  # fmt: skip


if __name__ == "__main__":
    main()
