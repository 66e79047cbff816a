"""The reception gate: pages made blurred, dark, faint, blank, low-resolution, cut or too skewed are reported
(page named, plain Vietnamese, a stable code, a measured value); good pages raise nothing; `sohoa check`
exits 0/1/2 and stores nothing."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline.models import PageResult, Word
from pipeline.quality import LIMITS, check_page, measure_page, page_findings
from samples.defects import DefectSpec, apply_defects
from samples.generator import generate_dossier, scan_page
from tests.conftest import SOHOA


def _rgb(kind: str = "quyet_dinh", *, seed: int = 5, dpi: int = 200, defects: str | DefectSpec = "clean") -> np.ndarray:
    scan, _ = scan_page(kind, seed=seed, dpi=dpi, defects=defects)
    return np.asarray(scan.image.convert("RGB"))


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """A clean A4 quyết định at 200 dpi: the base every defect below is made from."""
    return _rgb()


def _codes(findings: list[dict[str, Any]]) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in findings}


def _one(findings: list[dict[str, Any]], code: str) -> dict[str, Any]:
    (hit,) = [f for f in findings if f["code"] == code]
    return hit


@pytest.mark.parametrize(
    "kind,defects",
    [("quyet_dinh", "clean"), ("don", "clean"), ("cong_van", "office"), ("giay_xac_nhan", "harsh")],
)
def test_good_200dpi_pages_raise_nothing(kind: str, defects: str) -> None:
    check = check_page(_rgb(kind, seed=3, defects=defects), number=1, dpi=200)
    assert check.findings == []
    assert check.measures.dpi_measured == 200
    assert not check.needs_rescan


def test_blurred_page_is_reported_as_blurred_naming_the_page(page: np.ndarray) -> None:
    generated = check_page(_rgb(defects=DefectSpec(blur=3)), number=3, dpi=200)
    hit = _one(generated.findings, "blurred")
    assert hit["severity"] == "error" and hit["message"] == "Trang 3 bị mờ, vui lòng quét lại"
    assert hit["value"] > LIMITS.blur_error
    blurred = cv2.GaussianBlur(page, (0, 0), 3.0)
    assert _codes(check_page(blurred, number=1, dpi=200).findings) == {"blurred": "error"}


def test_slight_blur_is_a_warning_not_an_error() -> None:
    check = check_page(_rgb(defects=DefectSpec(blur=2)), number=1, dpi=200)
    assert _codes(check.findings) == {"blurred": "warning"}
    assert not check.needs_rescan


def test_dark_page_is_too_dark(page: np.ndarray) -> None:
    dark = (page * 0.35).astype(np.uint8)
    hit = _one(check_page(dark, number=2, dpi=200).findings, "too_dark")
    assert hit["severity"] == "error" and hit["message"].startswith("Trang 2 quá tối")
    assert 80 <= hit["value"] <= 95  # paper at 35 % of white


def test_washed_out_page_is_too_light(page: np.ndarray) -> None:
    washed = (255 - (255 - page.astype(np.float32)) * 0.3).astype(np.uint8)  # ink at ~180 on white
    findings = check_page(washed, number=4, dpi=200).findings
    assert _codes(findings) == {"too_light": "error"}
    assert "Trang 4 quá nhạt" in findings[0]["message"]


def test_blank_page_is_blank_even_with_scanner_borders_and_noise(page: np.ndarray) -> None:
    white = np.full_like(page, 255)
    assert _codes(check_page(white, number=5, dpi=200).findings) == {"blank_page": "warning"}
    scanned = apply_defects(white, DefectSpec(borders=10, noise=6, uneven_light=0.3, skew=2), seed=3, dpi=200)
    findings = check_page(np.asarray(scanned.image.convert("RGB")), number=5, dpi=200).findings
    assert findings == [_one(findings, "blank_page")]
    assert findings[0]["message"] == "Trang 5 là trang trắng, vui lòng kiểm tra lại"


def test_black_page_is_too_dark_not_blank(page: np.ndarray) -> None:
    assert _codes(check_page(np.zeros_like(page), number=1, dpi=200).findings) == {"too_dark": "error"}


def test_downscaled_page_claiming_200dpi_is_measured_at_its_real_resolution(page: np.ndarray) -> None:
    h, w = page.shape[:2]
    low = cv2.resize(page, (w * 120 // 200, h * 120 // 200), interpolation=cv2.INTER_AREA)
    check = check_page(low, number=2, dpi=200)
    hit = _one(check.findings, "low_resolution")
    assert hit["severity"] == "error" and abs(hit["value"] - 120) <= 0.2 * 120
    assert hit["message"].startswith("Trang 2 có độ phân giải khoảng") and "vui lòng quét lại" in hit["message"]
    assert _one(check.findings, "dpi_mismatch")["severity"] == "info"  # the file said 200


def test_page_rendered_at_120dpi_measures_120_from_its_text_alone() -> None:
    rgb = _rgb("cong_van", dpi=120)
    measures = measure_page(rgb[: rgb.shape[0] * 3 // 4], dpi=120)  # not A4-shaped: only the text can tell
    assert measures.dpi_source == "text"
    assert measures.dpi_text is not None and abs(measures.dpi_text - 120) <= 0.2 * 120


def test_text_cut_at_the_right_edge_is_reported(page: np.ndarray) -> None:
    cropped = np.ascontiguousarray(page[:, : page.shape[1] * 3 // 4])
    hit = _one(check_page(cropped, number=1, dpi=200).findings, "cut_off")
    assert hit["severity"] == "error"
    assert hit["message"] == "Trang 1 bị mất chữ ở mép phải, vui lòng đặt giấy ngay ngắn và quét lại"
    # Fed upside down, the cut is on the scan's left but still the page's right.
    turned = np.ascontiguousarray(np.rot90(cropped, 2))
    assert "mép phải" in _one(check_page(turned, number=1, dpi=200).findings, "cut_off")["message"]


def test_skew_beyond_what_clean_straightens_is_an_error() -> None:
    hit = _one(check_page(_rgb(defects=DefectSpec(skew=9)), number=6, dpi=200).findings, "skew_unfixable")
    assert hit["severity"] == "error" and abs(abs(hit["value"]) - 9) <= 0.5
    assert hit["message"].startswith("Trang 6 bị nghiêng khoảng 9°")
    assert check_page(_rgb(defects=DefectSpec(skew=4)), number=6, dpi=200).findings == []


def test_after_ocr_the_gate_replaces_claimed_resolution_and_fixed_skew(page: np.ndarray) -> None:
    words = [Word("Điều", (0, 0, 10, 10), 0.9, 0)]
    result = PageResult(2, "scan.pdf", 150, False, 100, 141, 90, 6.0, Path("p.jpg"), words=words)
    gate = [
        {"code": "low_resolution", "severity": "error", "message": "...", "value": 148},
        {"code": "skew_unfixable", "severity": "error", "message": "...", "value": 9.0},
    ]
    merged = page_findings(result, np.full((10, 10), 255, np.uint8), gate)
    assert sorted(f["code"] for f in merged) == ["low_resolution", "rotated", "skew_unfixable"]
    assert _one(merged, "low_resolution")["value"] == 148  # measured, not the file's 150
    alone = page_findings(result, np.zeros((10, 10), np.uint8))  # no gate: the claimed resolution
    assert _one(alone, "low_resolution")["value"] == 150 and "large_skew" in _codes(alone)


def test_gate_time_on_an_a4_200dpi_page(page: np.ndarray, capsys: pytest.CaptureFixture[str]) -> None:
    """Measured for the report, not asserted: timings depend on the machine."""
    cropped = np.ascontiguousarray(page[:, : page.shape[1] * 3 // 4])
    check_page(page, number=1, dpi=200)  # warm-up
    known = [check_page(page, number=1, dpi=200, rotation=0).measures.seconds for _ in range(5)]
    cut = [check_page(cropped, number=1, dpi=200).measures.seconds for _ in range(5)]
    with capsys.disabled():
        print(
            f"\nquality gate, A4 200 dpi: {statistics.median(known):.3f} s a page; {statistics.median(cut):.3f} s "
            "when a cut is found and clean measures the orientation to name its side"
        )


# -- the command -----------------------------------------------------------------------------------


def _check(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, "check", *args], capture_output=True, text=True, env=env, timeout=120)


def test_check_command_exit_codes_messages_and_nothing_stored(tmp_path: Path, data_env: dict[str, str]) -> None:
    good = tmp_path / "good"
    generate_dossier(good, seed=7, kinds=("quyet_dinh",), fmt="pdf", dpi=200, defects="clean")
    scan = good / "scan.pdf"
    proc = _check([str(scan)], data_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Trang 1" in proc.stdout and "không có vấn đề" in proc.stdout

    blurred = tmp_path / "blurred.png"
    Image.fromarray(_rgb("don", seed=2, defects=DefectSpec(blur=3))).save(blurred, dpi=(200, 200))
    proc = _check([str(scan), str(blurred)], data_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Trang 2 bị mờ, vui lòng quét lại" in proc.stdout

    proc = _check([str(scan), str(blurred), "--json"], data_env)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["rescan"] == [2] and not report["ok"]
    first, second = report["pages"]
    assert (first["number"], first["source"], first["dpi"], first["findings"]) == (1, "scan.pdf", 200, [])
    assert second["source"] == "blurred.png" and _one(second["findings"], "blurred")["severity"] == "error"

    assert not Path(data_env["SOHOA_DATA_DIR"]).exists()  # no database, no object store, no work folder


def test_check_command_bad_input_exits_2_with_one_line(tmp_path: Path, data_env: dict[str, str]) -> None:
    bad = tmp_path / "note.pdf"
    bad.write_text("xin chào")
    proc = _check([str(bad)], data_env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "note.pdf" in lines[0]
    assert proc.stdout == ""
