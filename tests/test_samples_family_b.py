"""Family B of the sample generator: deterministic, truthful to its ink, every kind, A4 and A5, photos, benchmark."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from samples import vocab
from samples.family_b import KINDS, PageB, build_pages
from samples.family_b.sheet import PAPER_MM
from samples.forms import KIND_TYPE
from samples.generator import generate_dossier, load_truth

ROOT = Path(__file__).resolve().parent.parent
DPI = 100  # small pages keep these tests fast
SEEDS = range(3)


def _words_in(page: PageB, box: tuple[int, int, int, int]) -> str:
    """The printed words whose centre lies inside `box`, in reading order: what the ink says there."""
    x0, y0, x1, y1 = box
    found = []
    for line in page.lines:
        for start, end, (a, b, c, d) in line.words:
            if x0 <= (a + c) / 2 <= x1 and y0 <= (b + d) / 2 <= y1:
                found.append(line.text[start:end])
    return " ".join(found)


def _date_in(text: str) -> str:
    if m := re.search(r"ngày (\d{2}) tháng (\d{1,2}) năm (\d{4})", text):
        return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
    m = re.search(r"(\d{2})/(\d{2})/(\d{4})", text)
    assert m, text
    return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()


def _value_of(key: str, printed: str) -> str:
    """Read a truth value back from the printed text, by the field conventions of samples.documents."""
    if key.endswith("_date") or key.startswith("first_registration") or key in ("issue_date", "due_date"):
        return _date_in(printed)
    if key == "area_m2":
        return f"{float(printed.replace('.', '').replace(',', '.')):g}"
    if key == "capital_vnd":
        return printed.removesuffix(" đồng").replace(".", "")
    if key == "personal_id":
        return printed.replace(" ", "")
    return printed


# -- determinism -------------------------------------------------------------------------------------
def test_same_seed_gives_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    kinds = ("quyet_dinh", "to_khai", "cccd")
    a = generate_dossier(tmp_path / "a", seed=21, kinds=kinds, dpi=DPI, defects="harsh", family="b")
    b = generate_dossier(tmp_path / "b", seed=21, kinds=kinds, dpi=DPI, defects="harsh", family="b")
    c = generate_dossier(tmp_path / "c", seed=22, kinds=kinds, dpi=DPI, defects="harsh", family="b")
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a/truth.json").read_bytes() == (tmp_path / "b/truth.json").read_bytes()
    assert a.read_bytes() != c.read_bytes()
    truth = load_truth(tmp_path / "a")
    assert truth["family"] == "b" and [d["kind"] for d in truth["documents"]] == list(kinds)


def test_family_a_is_the_default_and_its_truth_has_no_family_key(tmp_path: Path) -> None:
    a = generate_dossier(tmp_path / "a", seed=4, kinds=("don",), dpi=DPI, defects="clean")
    b = generate_dossier(tmp_path / "b", seed=4, kinds=("don",), dpi=DPI, defects="clean", family="a")
    assert a.read_bytes() == b.read_bytes()
    assert "family" not in load_truth(tmp_path / "a")
    with pytest.raises(ValueError, match="family"):
        generate_dossier(tmp_path / "c", seed=4, kinds=("quyet_dinh_mat",), dpi=DPI, family="b")


# -- truth against ink -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_every_truth_value_is_printed_where_its_box_says(kind: str) -> None:
    for seed in SEEDS:
        pages = build_pages(kind, random.Random(seed), DPI)
        assert len(pages) == (2 if kind == "gcn_qsdd" else 1)
        fields = {k: v for p in pages for k, v in p.fields.items()}
        assert fields, kind
        for page in pages:
            text = "\n".join(line.text for line in page.lines)
            for key, value in page.fields.items():
                printed = page.printed[key]
                if key == "recipients":  # a list of addressees, each on its own line
                    assert all(r in text for r in value.split("; "))
                    continue
                assert printed in _words_in(page, page.field_boxes[key]), (kind, seed, key)
                assert _value_of(key, printed) == value, (kind, seed, key, printed)


@pytest.mark.parametrize("kind", KINDS)
def test_fields_cover_what_family_a_records_for_the_kind(kind: str) -> None:
    """Same truth format: family B records every key family A records for a kind (both score alike)."""
    from samples.forms import build_pages as build_pages_a

    keys_a = {k for s in SEEDS for p in build_pages_a(kind, random.Random(s), DPI) for k in p.fields}
    keys_b = {k for s in SEEDS for p in build_pages(kind, random.Random(s), DPI) for k in p.fields}
    # drawn by chance, or (hometown) not printed on the 2024 "Căn cước" card family B copies
    optional = {"signer_authority", "superior_agency", "change_count", "change_date", "expiry_date", "hometown"}
    assert keys_a - optional <= keys_b, sorted(keys_a - keys_b)
    assert kind in KIND_TYPE


def test_person_ids_dates_and_agencies_are_family_b_s_own() -> None:
    headers_a = {(a.superior, a.issuer) for a in vocab.AGENCIES}
    for kind in ("quyet_dinh", "cong_van", "thong_bao", "giay_xac_nhan"):
        for seed in SEEDS:
            f = build_pages(kind, random.Random(seed), DPI)[0].fields
            assert (f.get("superior_agency"), f["issuing_agency"]) not in headers_a
            assert dt.date.fromisoformat(f["issue_date"]) <= dt.date.today()
    for seed in SEEDS:
        f = build_pages("to_khai", random.Random(seed), DPI)[0].fields
        pid, birth = f["personal_id"], dt.date.fromisoformat(f["birth_date"])
        assert len(pid) == 12 and pid.isdigit() and pid[:3] not in vocab.PROVINCE_CODES
        assert 1900 + 100 * (int(pid[3]) // 2) + int(pid[4:6]) == birth.year
        assert int(pid[3]) % 2 == (1 if f["gender"] == "Nữ" else 0)


def test_a4_and_a5_both_occur_and_faces_vary() -> None:
    papers, faces = set(), set()
    for kind in ("quyet_dinh", "don", "tiep_nhan", "cccd"):
        for seed in range(8):
            page = build_pages(kind, random.Random(seed), DPI)[0]
            w_mm = round(page.image.width * 25.4 / DPI)
            papers.add(next(name for name, (w, _) in PAPER_MM.items() if abs(w - w_mm) <= 1))
            assert page.house is not None
            faces.add(page.house.face)
    assert papers == {"A4", "A5"}
    assert len(faces) >= 3


def test_presets_photograph_some_pages_and_record_the_homography(tmp_path: Path) -> None:
    generate_dossier(
        tmp_path, seed=3, kinds=("quyet_dinh", "don", "gcn_qsdd", "cccd"), dpi=DPI, family="b", defects="office"
    )
    pages = load_truth(tmp_path)["pages"]
    photos = [p for p in pages if p["defects"].get("photo")]
    assert photos and len(photos) < len(pages)
    for p in photos:
        assert len(p["defects"]["homography"]) == 3 and p["width"] > p["upright_width"]
    generate_dossier(tmp_path / "clean", seed=3, kinds=("quyet_dinh", "don"), dpi=DPI, family="b", defects="clean")
    assert not any(p["defects"].get("photo") for p in load_truth(tmp_path / "clean")["pages"])


def test_family_b_dpi_is_drawn_from_the_seed(tmp_path: Path) -> None:
    dpis = set()
    for seed in range(6):
        generate_dossier(tmp_path / str(seed), seed=seed, kinds=("thong_bao",), defects="clean", family="b")
        dpis.add(load_truth(tmp_path / str(seed))["dpi"])
    assert dpis <= {200, 240, 300} and len(dpis) >= 2


def test_cli_samples_family_b(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "sohoa",
            "samples",
            "--out",
            str(tmp_path / "d"),
            "--kinds",
            "khai_sinh",
            "--family",
            "b",
            "--dpi",
            str(DPI),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert load_truth(tmp_path / "d")["family"] == "b"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "sohoa",
            "samples",
            "--out",
            str(tmp_path / "e"),
            "--kinds",
            "quyet_dinh_mat",
            "--family",
            "b",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "family b" in bad.stderr


# -- the benchmark -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_extract_benchmark_runs_on_family_b(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOHOA_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "extract.py"),
            "--family",
            "b",
            "--dossiers",
            "1",
            "--seed",
            "7",
            "--dpi",
            "200",
            "--json",
            "-",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["corpus"]["family"] == "b"
    total = report["total"]
    assert total["documents"] >= 3 and total["pages"] >= total["documents"]
    assert 0 <= total["cer_pct"] <= total["cer_worst_page_pct"] + 1e-9
    assert set(report["kinds"]) <= set(KINDS)
    for kind in report["kinds"].values():
        assert kind["split_classify_pct"] is None or 0 <= kind["split_classify_pct"] <= 100
