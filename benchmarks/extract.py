"""Issue 4 targets on a seeded corpus of multi-document dossiers: split, classification, fields, review flags.

    .venv/bin/python benchmarks/extract.py [--dossiers 30] [--seed 2026] [--defects office] [--dpi 200]

Each dossier holds 3-5 documents of the generator's kinds (separator and blank pages now and then), goes
through `sohoa process` once, and is compared with its truth:
- a document is split and classified correctly when a result has exactly its pages and its type;
- a field is exact when its value equals the truth after normalization (NFC, spaces folded);
- flags: of the wrong fields, how many are `needs_review`; of the correct ones, how many are flagged too.
Fields are counted where the truth and the document type's schema both have the key.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.doctypes import by_key  # noqa: E402
from samples.forms import KIND_TYPE, SEPARATOR_KINDS  # noqa: E402
from samples.generator import generate_dossier, load_truth  # noqa: E402

KINDS = sorted(k for k in KIND_TYPE if k != "quyet_dinh_mat")


def norm(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def dossier_kinds(rng: random.Random) -> list[str]:
    kinds = [rng.choice(KINDS) for _ in range(rng.randint(3, 5))]
    if rng.random() < 0.3:
        kinds.insert(rng.randint(1, len(kinds) - 1), rng.choice(SEPARATOR_KINDS))
    return kinds


def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="sohoa-extract-"))
    env = dict(os.environ, SOHOA_DATA_DIR=str(work / "data"))
    sohoa = str(ROOT / ".venv" / "bin" / "sohoa")
    rng = random.Random(args.seed)
    docs_total = docs_ok = 0
    exact = total = wrong = wrong_flagged = right = right_flagged = 0
    misses: list[str] = []
    t0 = time.perf_counter()
    for i in range(args.dossiers):
        folder = work / f"d{i:02d}"
        kinds = dossier_kinds(rng)
        inp = generate_dossier(
            folder, seed=args.seed + i, kinds=tuple(kinds), fmt="pdf", dpi=args.dpi, defects=args.defects
        )
        truth = load_truth(folder / "truth.json")
        proc = subprocess.run(
            [sohoa, "process", str(inp), "--out", str(folder / "out"), "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            misses.append(f"dossier {i}: exit {proc.returncode}: {proc.stderr.strip()[:200]}")
            docs_total += len(truth["documents"])
            continue
        result = json.loads(proc.stdout)
        found = {tuple(d["pages"]): d for d in result["documents"]}
        for doc in truth["documents"]:
            docs_total += 1
            want_type = KIND_TYPE[doc["kind"]]
            got = found.get(tuple(doc["pages"]))
            if got is None or got["type"] != want_type:
                what = "pages not split alike" if got is None else f"type {got['type']}"
                misses.append(f"dossier {i} {doc['kind']} pages {doc['pages']}: {what}")
                continue
            docs_ok += 1
            schema = by_key(want_type).fields
            for key, want in doc["fields"].items():
                if key not in schema:
                    continue
                total += 1
                field = got["fields"].get(key)
                value = field.get("value") if isinstance(field, dict) else None
                flagged = isinstance(field, dict) and field.get("status") == "needs_review"
                if value is not None and norm(value) == norm(want):
                    exact += 1
                    right += 1
                    right_flagged += flagged
                else:
                    wrong += 1
                    wrong_flagged += flagged or field is None
                    if not flagged:
                        misses.append(f"dossier {i} {doc['kind']} {key}: {value!r} != {want!r} (not flagged)")
    elapsed = time.perf_counter() - t0
    print(
        f"corpus: {args.dossiers} dossiers, {docs_total} documents, seed {args.seed}, {args.defects!r}, "
        f"{args.dpi} dpi, {elapsed:.0f} s"
    )
    print(
        f"split + classification correct: {docs_ok}/{docs_total} = {docs_ok / max(1, docs_total):.1%} (target >= 98%)"
    )
    print(f"fields exact after normalization: {exact}/{total} = {exact / max(1, total):.1%} (target >= 97%)")
    print(
        f"wrong fields flagged needs_review: {wrong_flagged}/{wrong} = {wrong_flagged / max(1, wrong):.1%} "
        "(target >= 95%)"
    )
    print(f"correct fields flagged too: {right_flagged}/{right} = {right_flagged / max(1, right):.1%} (target <= 15%)")
    for line in misses[: args.show]:
        print("  ", line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--defects", default="office")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--show", type=int, default=40, help="how many misses to list")
    run(parser.parse_args())
