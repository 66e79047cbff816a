"""Issue 17 targets: reception against a procedure on generated dossiers that leave out or repeat components.

    .venv/bin/python benchmarks/procedures.py [--dossiers 16] [--seed 2026] [--json report.json | --json -]

Each dossier is one procedure of the catalogue whose required components the generator can draw (layout
family "a"), one document per required copy, then changed by the seed: one component left out, one
repeated, both, or one left out and an unrelated document added. It goes through `sohoa process --procedure CODE` once.
- named: of the components left out, how many the result lists as missing (target 100 % on the dossiers
  whose every document was split and classified right);
- wrongly missing: of the required components present, how many the result calls missing (target <= 2 %);
- duplicates: of the repeated components, how many the result reports as duplicated.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.procedure_catalogue import Procedure, load_catalogue  # noqa: E402
from samples.forms import KIND_TYPE  # noqa: E402
from samples.generator import generate_dossier, load_truth  # noqa: E402

KIND_OF_TYPE = {t: k for k, t in reversed(KIND_TYPE.items()) if k != "quyet_dinh_mat"}
EXTRA_KINDS = ("cong_van", "tiep_nhan")  # documents no shipped procedure asks for
VARIANTS = ("drop", "duplicate", "drop_duplicate", "drop_extra")  # three in four leave one out


def drawable(proc: Procedure) -> list[tuple[str, str]] | None:
    """(component key, generator kind) for each required copy; None when the generator cannot draw one."""
    plan = []
    for comp in proc.components:
        if not comp.required:
            continue
        kind = next((KIND_OF_TYPE[t] for t in comp.types if t in KIND_OF_TYPE), None)
        if kind is None:
            return None
        plan += [(comp.key, kind)] * comp.copies
    return plan


def dossier_plan(rng: random.Random, procs: list[tuple[Procedure, list[tuple[str, str]]]]) -> dict[str, Any]:
    proc, full = rng.choice(procs)
    variant = rng.choice(VARIANTS)
    docs = list(full)
    dropped: list[str] = []
    repeated: list[str] = []
    if variant.startswith("drop") and len(docs) > 1:
        dropped.append(docs.pop(rng.randrange(len(docs)))[0])
    if variant in ("duplicate", "drop_duplicate"):
        again = rng.choice(docs)
        docs.append(again)
        repeated.append(again[0])
    if variant == "drop_extra":
        docs.append(("", rng.choice(EXTRA_KINDS)))
    rng.shuffle(docs)
    return {"procedure": proc, "variant": variant, "docs": docs, "dropped": dropped, "repeated": repeated}


def classified_right(truth: dict[str, Any], result: dict[str, Any]) -> bool:
    found = {tuple(d["pages"]): d["type"] for d in result["documents"]}
    return all(found.get(tuple(d["pages"])) == KIND_TYPE[d["kind"]] for d in truth["documents"])


def pct(a: int, b: int) -> float | None:
    return round(100 * a / b, 1) if b else None


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sohoa-procedures-"))
    env = dict(
        os.environ,
        SOHOA_DATA_DIR=str(work / "data"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    procs = [(p, plan) for p in load_catalogue().values() if (plan := drawable(p))]
    rng = random.Random(args.seed)
    n = {"dropped": 0, "named": 0, "dropped_ok": 0, "named_ok": 0, "present": 0, "wrong": 0, "repeated": 0, "dup": 0}
    dossiers_ok, notes = 0, []
    t0 = time.perf_counter()
    for i in range(args.dossiers):
        plan = dossier_plan(rng, procs)
        proc: Procedure = plan["procedure"]
        folder = work / f"d{i:02d}"
        kinds = tuple(kind for _, kind in plan["docs"])
        scan = generate_dossier(folder, seed=args.seed + i, kinds=kinds, fmt="pdf")
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sohoa",
                "process",
                str(scan),
                "--out",
                str(folder / "out"),
                "--json",
                "--procedure",
                proc.code,
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            notes.append(f"dossier {i}: exit {out.returncode}: {out.stderr.strip()[:200]}")
            continue
        result = json.loads(out.stdout)
        reception = result["procedure"]
        ok = classified_right(load_truth(folder / "truth.json"), result)
        dossiers_ok += ok
        missing = set(reception["missing"])
        for key in plan["dropped"]:
            n["dropped"] += 1
            n["named"] += key in missing
            n["dropped_ok"] += ok
            n["named_ok"] += ok and key in missing
        copies = {c.key: c.copies for c in proc.components}
        keys = [key for key, _ in plan["docs"] if key]
        present = {key for key in keys if keys.count(key) >= copies[key]}  # every copy there
        for key in present:
            n["present"] += 1
            if key in missing:
                n["wrong"] += 1
                notes.append(f"dossier {i} {proc.code} ({plan['variant']}): {key} present but called missing")
        dup_components = {d["component"] for d in reception["duplicates"]}
        for key in plan["repeated"]:
            n["repeated"] += 1
            n["dup"] += key in dup_components
        if not ok:
            notes.append(f"dossier {i} {proc.code}: a document split or classified wrong")
    return {
        "dossiers": args.dossiers,
        "dossiers_classified_right": dossiers_ok,
        "procedures_drawable": sorted(p.code for p, _ in procs),
        "missing_named_pct": pct(n["named"], n["dropped"]),
        "missing_named_pct_when_classified_right": pct(n["named_ok"], n["dropped_ok"]),
        "present_called_missing_pct": pct(n["wrong"], n["present"]),
        "duplicates_reported_pct": pct(n["dup"], n["repeated"]),
        "counts": n,
        "seconds": round(time.perf_counter() - t0, 1),
        "notes": notes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="write the report here ('-' for stdout)")
    args = parser.parse_args()
    report = run(args)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.json and args.json != "-":
        Path(args.json).write_text(text + "\n", "utf-8")
    print(text)


if __name__ == "__main__":
    main()
