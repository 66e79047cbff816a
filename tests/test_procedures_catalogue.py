"""The procedure catalogue: every shipped file validates, a broken agency file is one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.procedure_catalogue import (
    CatalogueError,
    UnknownProcedure,
    find_procedure,
    load_catalogue,
    parse_file,
    shipped_files,
)

DOMAINS = {"ho_tich", "cu_tru", "dat_dai", "dang_ky_kinh_doanh", "bao_tro_xa_hoi"}


def test_every_shipped_file_validates_and_covers_the_five_domains() -> None:
    procedures = [p for name, text in shipped_files() for p in parse_file(text, name)]
    assert len(procedures) >= 15
    assert {p.domain for p in procedures} == DOMAINS
    assert len({p.code for p in procedures}) == len(procedures)
    for proc in procedures:
        assert any(c.required for c in proc.components), proc.code
        assert 0 <= proc.processing_days <= 30, proc.code  # thời hạn giải quyết, in working days
        for comp in proc.components:
            assert comp.required or comp.condition, (proc.code, comp.key)


def test_residence_asks_for_the_ct01_form() -> None:
    proc = find_procedure(load_catalogue(), "1.004194")
    ct01 = next(c for c in proc.components if c.key == "to_khai_ct01")
    assert ct01.form_codes == ("CT01",) and ct01.required and not ct01.reusable


def _agency_file(folder: Path, entry: dict) -> Path:
    path = folder / "agency.json"
    path.write_text(json.dumps({"procedures": [entry]}, ensure_ascii=False), "utf-8")
    return path


GOOD = {
    "code": "9.000001",
    "name": "Thủ tục riêng của tỉnh",
    "level": "tinh",
    "processing_days": 5,
    "components": [
        {
            "key": "don",
            "name": "Đơn đề nghị",
            "types": ["application"],
            "copies": 1,
            "requirement": "required",
            "reusable": False,
        }
    ],
}


def test_an_agency_file_adds_a_procedure_without_code(tmp_path: Path) -> None:
    _agency_file(tmp_path, GOOD)
    catalogue = load_catalogue(tmp_path)
    assert find_procedure(catalogue, "9.000001").source.endswith("agency.json")
    assert "1.001193" in catalogue


def test_an_agency_file_may_replace_a_shipped_procedure(tmp_path: Path) -> None:
    _agency_file(tmp_path, GOOD | {"code": "1.001193", "name": "Đăng ký khai sinh (mẫu tỉnh)"})
    assert load_catalogue(tmp_path)["1.001193"].name == "Đăng ký khai sinh (mẫu tỉnh)"


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (GOOD | {"level": "huyen"}, "procedures/0/level"),
        ({k: v for k, v in GOOD.items() if k != "components"}, "'components' is a required property"),
        (GOOD | {"components": [GOOD["components"][0] | {"types": ["passport"]}]}, "passport"),
        (GOOD | {"components": [GOOD["components"][0] | {"requirement": "conditional"}]}, "condition"),
        (GOOD | {"components": GOOD["components"] * 2}, "hai thành phần cùng khóa"),
        ({k: v for k, v in GOOD.items() if k != "processing_days"}, "'processing_days' is a required property"),
        (GOOD | {"processing_days": -1}, "procedures/0/processing_days"),
        (GOOD | {"processing_days": 10**9}, "procedures/0/processing_days"),
        (GOOD | {"processing_days": 2.5}, "procedures/0/processing_days"),
    ],
)
def test_a_broken_agency_file_is_one_clear_error(tmp_path: Path, entry: dict, words: str) -> None:
    path = _agency_file(tmp_path, entry)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    line = caught.value.one_line()
    assert str(path) in line and words in line and "\n" not in line


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"procedures": [\n', "utf-8")
    with pytest.raises(CatalogueError, match="dòng"):
        load_catalogue(tmp_path)


def test_an_unknown_code_is_bad_input() -> None:
    with pytest.raises(UnknownProcedure) as caught:
        find_procedure(load_catalogue(), "0.000000")
    assert caught.value.exit_code == 2
