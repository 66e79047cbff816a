"""Family A layouts photographed with family B's camera: which right fields the page findings send to review.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/photo_flags.py [--kinds cccd,card,to_khai,don] [--seeds 3]

Why: a phone photo that reads well must not be flagged ``page_unreadable`` or ``poor_page_reading`` as a
whole, and one that reads badly must. Family B is held out, so its camera model is applied here to family A
pages. "card" is the front of family A's ID card cut out and shrunk to its printed size (85.6 mm wide, at
the page's dpi), photographed alone as a phone user would. Each page goes through the page job in a PDF
page claiming the rendered dpi, is read as a document, and is judged by the approval gate's page rules.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.approval_gate import flag_unreadable_pages, page_problems, page_unreadable  # noqa: E402
from pipeline.documents import read_document  # noqa: E402
from pipeline.layout import page_lines  # noqa: E402
from pipeline.models import PageRef, PageResult  # noqa: E402
from pipeline.ocr import single_thread_env  # noqa: E402
from pipeline.page_job import PageContext, process_page  # noqa: E402
from pipeline.reading_quality import page_reading  # noqa: E402
from samples.card_photo import card_front  # noqa: E402
from samples.defects import ScannedPage  # noqa: E402
from samples.documents import RenderedPage  # noqa: E402
from samples.family_b.photo import phone_photo  # noqa: E402
from samples.generator import _write_pdf, render_page  # noqa: E402
from sohoa.settings import Settings  # noqa: E402


def photographed(kind: str, seed: int, dpi: int) -> RenderedPage:
    """The clean page to photograph: a family A kind, or "card"."""
    return card_front(seed, dpi) if kind == "card" else render_page(kind, seed=seed, dpi=dpi)


def run_page(page: RenderedPage, seed: int, work: Path, image: np.ndarray | None = None) -> tuple[PageResult, dict]:
    """Photograph ``page`` (or take ``image`` as the photo), run the page job and read it as a document."""
    if image is None:
        photo = phone_photo(page, np.random.default_rng([seed, 1, 11]), [seed, 1])
    else:
        photo = ScannedPage(Image.fromarray(image), {})
    pdf = work / "photo.pdf"
    _write_pdf(pdf, [photo], page.dpi, 85)
    settings = Settings(data_dir=work / "data")
    result = process_page(PageContext(PageRef(1, 0, pdf, "pdf", 0), pdf.name, work / "out", settings))
    doc = read_document(1, [1], {1: result})
    if page_unreadable(result, repaired=False):
        flag_unreadable_pages(doc, [1])
    return result, {"doc": doc, "problems": page_problems(result, repaired=False)}


def norm(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kinds", default="card,cccd,to_khai,don,xac_nhan_cu_tru")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--dpi", type=int, default=200)
    args = ap.parse_args()
    single_thread_env()
    totals = {"right": 0, "right_flagged": 0, "wrong": 0, "wrong_flagged": 0}
    for kind in args.kinds.split(","):
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            page = photographed(kind, seed, args.dpi)
            with tempfile.TemporaryDirectory() as tmp:
                result, out = run_page(page, seed, Path(tmp))
            doc = out["doc"]
            codes = [f"{f['code']}:{f['severity']}={f.get('value', '')}" for f in result.findings]
            codes = [c if "perspective" not in c else "perspective_corrected" for c in codes]
            size = f"{result.width}x{result.height}"
            print(f"\n{kind} seed {seed}: type {doc.type}, conf {result.ocr_confidence:.3f}, {size}")
            print(f"  findings: {codes}")
            conf, garbage = page_reading(page_lines(result)).get(1, (0.0, 0.0))
            print(f"  problems: {out['problems']}; reading: conf {conf:.3f} garbage {garbage:.3f}")
            for key, want in page.fields.items():
                got = doc.fields.get(key)
                if isinstance(got, list):
                    continue
                value = got.value if got else None
                flagged = got is None or got.status == "needs_review"
                right = value is not None and norm(value) == norm(want)
                k = "right" if right else "wrong"
                totals[k] += 1
                totals[f"{k}_flagged"] += flagged
                reasons = ",".join(got.reasons) if got else "missing"
                mark = "ok " if right else "BAD"
                print(
                    f"  {mark} {'R' if flagged else '-'} {key}: {value!r} [{reasons}]"
                    + ("" if right else f" want {want!r}")
                )
    r, w = totals["right"], totals["wrong"]
    print(
        f"\nright flagged {totals['right_flagged']}/{r} ({100 * totals['right_flagged'] / max(r, 1):.1f} %), "
        f"wrong flagged {totals['wrong_flagged']}/{w} ({100 * totals['wrong_flagged'] / max(w, 1):.1f} %)"
    )


if __name__ == "__main__":
    main()
