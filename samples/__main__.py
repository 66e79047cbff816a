"""``python -m samples --out DIR --seed N --kinds quyet_dinh,giay_xac_nhan --format pdf --defects office``.

Writes one synthetic dossier and its truth.json; ``--committed`` rebuilds samples/dossiers instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from samples.forms import ALL_KINDS
from samples.generator import generate_dossier, parse_defects, regenerate_committed_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder to write the dossier and truth.json into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default="quyet_dinh", help="comma-separated, from: " + ", ".join(ALL_KINDS))
    parser.add_argument("--format", default="pdf", help="pdf, tiff, png or jpeg")
    parser.add_argument(
        "--defects",
        default="office",
        help="clean, office, harsh, or an exact spec like rotation=90,skew=3,color_mode=gray",
    )
    parser.add_argument("--dpi", type=int, default=None, help="default 200; family b: 200, 240 or 300 by seed")
    parser.add_argument("--family", default="a", help="layout family: a or b (samples.family_b)")
    parser.add_argument("--jpeg-quality", type=int, default=80)
    parser.add_argument("--secrecy", help="mark style of quyet_dinh_mat: plain, boxed, red, red_boxed, stamp")
    parser.add_argument("--secrecy-level", help="its level: MẬT, TỐI MẬT or TUYỆT MẬT")
    parser.add_argument("--committed", action="store_true", help="rebuild samples/dossiers and exit")
    args = parser.parse_args(argv)
    try:
        if args.committed:
            for path in regenerate_committed_samples():
                print(path)
            return 0
        if args.out is None:
            parser.error("--out is required (or --committed)")
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        path = generate_dossier(
            args.out,
            seed=args.seed,
            kinds=kinds,
            fmt=args.format,
            dpi=args.dpi,
            defects=parse_defects(args.defects),
            jpeg_quality=args.jpeg_quality,
            family=args.family,
            secrecy=args.secrecy,
            secrecy_level=args.secrecy_level,
        )
    except ValueError as exc:
        print(f"samples: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
