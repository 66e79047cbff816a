"""Measure the slice on a seeded generated corpus: CER of the text layer, field accuracy, pages/min.

Runs `sohoa process` (embedded mode, all cores) on each generated dossier and raw Tesseract
(`tesseract -l vie`, one page at a time, OMP_THREAD_LIMIT=1, its fastest setting) on the same page
images, then prints one table. Also times one 10-page dossier, where page parallelism shows. CER uses
the one CER function of samples/ on `pdftotext -layout` of each output, the stamp's lines removed.

    .venv/bin/python benchmarks/slice.py [--dossiers 8] [--seed 2026] [--defects office] [--dpi 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.doctypes import by_key  # noqa: E402
from samples.cer import cer, strip_stamp, wer  # noqa: E402
from samples.generator import generate_dossier, load_truth  # noqa: E402

KINDS = ("quyet_dinh", "cong_van", "thong_bao", "giay_xac_nhan", "don")
STRUCTURED = ("number_symbol", "issue_date", "personal_id", "birth_date", "gender", "phone", "place")


def pdftotext(path: Path, first: int | None = None, last: int | None = None) -> str:
    cmd = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if first:
        cmd += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*cmd, str(path), "-"], capture_output=True, text=True, check=True).stdout


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    env = dict(os.environ, SOHOA_DATA_DIR=str(work / "data"))
    sohoa = str(ROOT / ".venv" / "bin" / "sohoa")
    rows = []
    fields_total = fields_ok = 0
    misses: list[str] = []
    t_sohoa = t_tess = 0.0
    pages_total = 0
    ref_all, hyp_all, raw_all = [], [], []
    for i in range(args.dossiers):
        seed = args.seed + i
        kind = KINDS[i % len(KINDS)]
        d = work / f"d{i:02d}"
        inp = generate_dossier(d, seed=seed, kinds=(kind,), fmt="pdf", dpi=args.dpi, defects=args.defects)
        truth = load_truth(d / "truth.json")
        out = d / "out"
        t = time.perf_counter()
        proc = subprocess.run(
            [sohoa, "process", str(inp), "--out", str(out), "--json"], env=env, capture_output=True, text=True
        )
        t_sohoa += time.perf_counter() - t
        if proc.returncode != 0:
            print(f"seed {seed} {kind}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
            continue
        result = json.loads(proc.stdout)
        doc = result["documents"][0]
        pdf = out / doc["pdf"]["filename"]
        stamp_line = f"· {doc['code']}"
        for page in truth["pages"]:
            pages_total += 1
            ref = "\n".join(page["lines"])
            hyp = strip_stamp(pdftotext(pdf, page["number"]))
            hyp = "\n".join(ln for ln in hyp.splitlines() if stamp_line not in ln)
            # raw Tesseract on the same scanned page image
            img = d / f"raw-{page['number']}.png"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(args.dpi),
                    "-f",
                    str(page["number"]),
                    "-l",
                    str(page["number"]),
                    "-png",
                    "-singlefile",
                    str(inp),
                    str(img.with_suffix("")),
                ],
                check=True,
            )
            t = time.perf_counter()
            raw = subprocess.run(
                ["tesseract", str(img), "-", "-l", "vie"],
                capture_output=True,
                text=True,
                env=dict(os.environ, OMP_THREAD_LIMIT="1"),  # its fastest setting: see workers/pages.py
            ).stdout
            t_tess += time.perf_counter() - t
            ref_all.append(ref)
            hyp_all.append(hyp)
            raw_all.append(raw)
            rows.append((seed, kind, page["number"], cer(ref, hyp), cer(ref, raw)))
        schema = by_key(doc["type"]).fields
        for key, want in truth["documents"][0]["fields"].items():
            got = doc["fields"].get(key)
            if key not in schema:  # e.g. superior_agency, recipients: not fields of this slice's schemas
                continue
            if got is None or isinstance(got, list):
                misses.append(f"{seed}/{kind}/{key}: missing (want {want!r})")
                fields_total += 1
                continue
            fields_total += 1
            if got["value"] == want:
                fields_ok += 1
            else:
                misses.append(f"{seed}/{kind}/{key}: {got['value']!r} != {want!r}")
    ref_text, hyp_text, raw_text = "\n".join(ref_all), "\n".join(hyp_all), "\n".join(raw_all)
    print(f"{'seed':>6} {'kind':<14} {'page':>4} {'CER sohoa':>10} {'CER raw tess':>12}")
    for seed, kind, n, c1, c2 in rows:
        print(f"{seed:>6} {kind:<14} {n:>4} {c1:>10.4f} {c2:>12.4f}")
    print()
    print(
        f"corpus: {args.dossiers} dossiers, {pages_total} pages, preset {args.defects!r}, "
        f"{args.dpi} dpi, seed {args.seed}"
    )
    print(f"CER  sohoa {cer(ref_text, hyp_text):.4f}   raw tesseract {cer(ref_text, raw_text):.4f}")
    print(f"WER  sohoa {wer(ref_text, hyp_text):.4f}   raw tesseract {wer(ref_text, raw_text):.4f}")
    print(
        f"CER without diacritics  sohoa {cer(ref_text, hyp_text, strip_diacritics=True):.4f}"
        f"   raw tesseract {cer(ref_text, raw_text, strip_diacritics=True):.4f}"
    )
    print(f"fields exactly equal to truth: {fields_ok}/{fields_total}")
    print(
        f"pages/min  sohoa (whole pipeline incl. signing, start-up) {60 * pages_total / t_sohoa:.1f}"
        f"   raw tesseract (OCR only) {60 * pages_total / t_tess:.1f}"
    )
    for m in misses:
        print("  miss:", m)
    multipage(work, env, sohoa, args)


def multipage(work: Path, env: dict[str, str], sohoa: str, args: argparse.Namespace) -> None:
    """One 10-page dossier: sohoa (pages across cores) against raw Tesseract on 1 and on all cores."""
    d = work / "multi"
    inp = generate_dossier(d, seed=args.seed, kinds=KINDS * 2, fmt="pdf", dpi=args.dpi, defects=args.defects)
    t = time.perf_counter()
    subprocess.run([sohoa, "process", str(inp), "--out", str(d / "out")], env=env, check=True, capture_output=True)
    t_sohoa = time.perf_counter() - t
    pages = []
    for n in range(1, 11):
        stem = d / f"p{n:02d}"
        subprocess.run(
            ["pdftoppm", "-r", str(args.dpi), "-f", str(n), "-l", str(n), "-png", "-singlefile", str(inp), str(stem)],
            check=True,
        )
        pages.append(f"{stem}.png")
    one = dict(os.environ, OMP_THREAD_LIMIT="1")
    t = time.perf_counter()
    for page in pages:
        subprocess.run(["tesseract", page, "-", "-l", "vie"], capture_output=True, env=one, check=True)
    t_seq = time.perf_counter() - t
    t = time.perf_counter()
    cores = os.cpu_count() or 1
    procs: list[subprocess.Popen[bytes]] = []
    for page in pages:
        while len([p for p in procs if p.poll() is None]) >= cores:
            time.sleep(0.02)
        procs.append(
            subprocess.Popen(
                ["tesseract", page, "-", "-l", "vie"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=one
            )
        )
    for p in procs:
        p.wait()
    t_par = time.perf_counter() - t
    print(
        f"10-page dossier: sohoa {t_sohoa:.1f} s ({600 / t_sohoa:.1f} pages/min, everything incl. signing);"
        f" raw tesseract OCR only: {600 / t_seq:.1f} pages/min on 1 core, {600 / t_par:.1f} on {cores} cores"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--defects", default="office")
    parser.add_argument("--dpi", type=int, default=200)
    run(parser.parse_args())
