"""The OCR benchmark (benchmarks/ocr.py) runs end to end in --quick mode (plus a tiny memory case) and prints
one row of finite numbers per system, the ratio lines, CER by condition and the memory ratio."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("raw tesseract", "OCRmyPDF", "sohoa")


@pytest.mark.slow
def test_quick_benchmark_prints_a_finite_row_for_each_of_the_three_systems(tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("ocrmypdf").exists():
        pytest.skip("OCRmyPDF is not installed in this virtualenv (pip install -e '.[dev]')")
    report = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ocr.py"), "--quick", "--work", str(tmp_path / "w"),
         "--json", str(report), "--memory", "--memory-pages", "1,2"],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("system") and "CER" in line)
    assert all(
        col in header
        for col in (
            "pages",
            "pages/min",
            "busy %",
            "peak RSS MB",
            "PSS MB",
            "CER",
            "WER",
            "CER-nodia",
            "orient",
            "KB/page",
        )
    )
    for system in SYSTEMS:
        row = next(line for line in lines if line.startswith(system + " "))
        cells = row[len(system) :].split()
        orient = next(c for c in cells if "/" in c)
        fixed, rotated = (int(x) for x in orient.split("/"))
        assert rotated >= 1 and 0 <= fixed <= rotated
        numbers = [float(c) for c in cells if c != orient]
        assert len(numbers) == 11 and all(math.isfinite(x) for x in numbers), row
        assert numbers[0] == 6  # pages
    assert any(line.startswith("sohoa/OCRmyPDF pages/min = ") for line in lines)
    assert any(line.startswith("sohoa/OCRmyPDF CER = ") for line in lines)
    assert any(line.startswith("rotation: fed 180°") for line in lines)
    assert any(line.startswith("sohoa peak RSS 2/1 pages = ") for line in lines)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [r["system"] for r in data["systems"]] == ["tesseract", "ocrmypdf", "sohoa"]
    for r in data["systems"]:
        for key in ("wall_s", "pages_per_min", "cpu_s_per_page", "peak_rss_mb", "cer", "wer", "cer_nodia"):
            assert math.isfinite(r[key]) and r[key] >= 0, (r["system"], key)
        assert r["peak_rss_mb"] > 0 and r["cpu_s_per_page"] > 0
    assert data["corpus"]["orientation_check_inputs_ok"] == data["corpus"]["pages"]
    assert [(r["system"], r["pages"], r["exit"]) for r in data["memory"]] == [("sohoa", 1, 0), ("sohoa", 2, 0)]
