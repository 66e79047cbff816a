"""Secrecy marks (issue 11, item 3): which generated marks the page job finds, what it costs on other pages.

    .venv/bin/python benchmarks/secrecy.py [--seeds 10] [--dpi 150] [--defects office] [--negative-seeds 10]

Every mark style the generator draws (``samples.documents.SECRECY_STYLES``) on ``quyet_dinh_mat`` seeds
1..N, the level turning with the seed (MẬT, TỐI MẬT, TUYỆT MẬT), written as a PDF and read by
``pipeline.page_job.process_page`` as a dossier's page is; a mark counts as found when the page says so
or the document's lines do (``pipeline.documents.check_pages_secret``). Then every other document kind on seeds
1..M: none may be refused. Prints style x level -> found/total, the false refusals, and the time of the
secrecy step beside the whole page's on those other pages (the cost every dossier pays).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.documents import check_pages_secret  # noqa: E402
from pipeline.ingest import ingest  # noqa: E402
from pipeline.models import PageResult  # noqa: E402
from pipeline.page_job import PageContext, process_page  # noqa: E402
from pipeline.pages import page_refs  # noqa: E402
from samples.documents import SECRECY_STYLES  # noqa: E402
from samples.forms import DOCUMENT_KINDS  # noqa: E402
from samples.generator import generate_dossier  # noqa: E402
from samples.vocab import SECRECY  # noqa: E402
from sohoa.errors import SecretDocument  # noqa: E402
from sohoa.settings import Settings  # noqa: E402


def read_pages(folder: Path, settings: Settings, *, seed: int, kind: str, dpi: int, defects: str,
               style: str | None = None, level: str | None = None) -> list[PageResult]:  # fmt: skip
    """The pages of one generated document of ``kind``, as the page job reads them."""
    scan = generate_dossier(folder, seed=seed, kinds=[kind], dpi=dpi, defects=defects, secrecy=style,
                            secrecy_level=level)  # fmt: skip
    sources = ingest([scan], settings, folder / "work")
    return [process_page(PageContext(ref, scan.name, folder / "work", settings)) for ref in page_refs(sources)]


def refused(pages: list[PageResult]) -> bool:
    """Whether the dossier is refused: a page carries a mark, or the document's lines do."""
    try:
        check_pages_secret(pages)
    except SecretDocument:
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="quyet_dinh_mat seeds 1..N per style")
    parser.add_argument("--negative-seeds", type=int, default=10, help="seeds 1..M of every other kind")
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--defects", default="office")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sohoa-secrecy-"))
    os.environ.setdefault("SOHOA_DATA_DIR", str(work / "data"))
    settings = Settings()
    found: dict[tuple[str, str], list[bool]] = {}
    missed = []
    for style in SECRECY_STYLES:
        for seed in range(1, args.seeds + 1):
            level = SECRECY[seed % len(SECRECY)]
            pages = read_pages(work / f"{style}-{seed}", settings, seed=seed, kind="quyet_dinh_mat", dpi=args.dpi,
                               defects=args.defects, style=style, level=level)  # fmt: skip
            ok = refused(pages)
            found.setdefault((style, level), []).append(ok)
            if not ok:
                missed.append(f"{style} seed {seed} ({level})")
    print(f"secrecy marks found, quyet_dinh_mat seeds 1..{args.seeds}, {args.dpi} dpi, defects {args.defects}")
    print(f"{'style':10s}" + "".join(f"{lv:>12s}" for lv in SECRECY) + f"{'all':>10s}")
    for style in SECRECY_STYLES:
        cells = [found.get((style, lv), []) for lv in SECRECY]
        row = "".join(f"{sum(c):>9d}/{len(c):<2d}" for c in cells)
        total = [x for c in cells for x in c]
        print(f"{style:10s}{row}{sum(total):>7d}/{len(total)}")
    if missed:
        print("missed:", ", ".join(missed))
    false_refusals, step, whole = [], [], []
    kinds = [k for k in DOCUMENT_KINDS if k != "quyet_dinh_mat"]
    for kind in kinds:
        for seed in range(1, args.negative_seeds + 1):
            pages = read_pages(work / f"{kind}-{seed}", settings, seed=seed, kind=kind, dpi=args.dpi,
                               defects=args.defects)  # fmt: skip
            if refused(pages):
                false_refusals.append(f"{kind} seed {seed}")
            for p in pages:
                step.append(p.seconds["secrecy"])
                whole.append(sum(p.seconds.values()))
    print(f"other kinds ({len(kinds)} kinds x seeds 1..{args.negative_seeds}, {len(step)} pages): "
          f"{len(false_refusals)} refused {false_refusals if false_refusals else ''}")  # fmt: skip
    mean_step, mean_page = statistics.mean(step), statistics.mean(whole)
    print(f"secrecy step per page: mean {mean_step * 1000:.1f} ms, max {max(step) * 1000:.1f} ms; "
          f"whole page mean {mean_page:.2f} s ({mean_step / mean_page:.1%})")  # fmt: skip


if __name__ == "__main__":
    main()
