"""`sohoa procedures list|show` and `sohoa process --procedure`: the catalogue on the command line, and a
generated dossier without its ID card received with a finding naming it (exit 0, valid result JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_procedures_catalogue import GOOD

from pipeline.result import validate_result
from samples.generator import generate_dossier


def sohoa(env: dict[str, str], *args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sohoa", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_list_and_show_print_the_catalogue(data_env: dict[str, str]) -> None:
    listed = sohoa(data_env, "procedures", "list", "--json")
    assert listed.returncode == 0
    codes = {p["code"] for p in json.loads(listed.stdout)}
    assert len(codes) >= 15 and "1.004194" in codes
    shown = sohoa(data_env, "procedures", "show", "1.004194")
    assert shown.returncode == 0 and "CT01" in shown.stdout and "bắt buộc" in shown.stdout
    assert "Thời hạn giải quyết: 7 ngày làm việc" in shown.stdout
    as_json = json.loads(sohoa(data_env, "procedures", "show", "1.004194", "--json").stdout)
    assert as_json["processing_days"] == 7


def test_an_agency_folder_adds_to_the_list_and_a_broken_file_is_one_line(
    data_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "agency"
    folder.mkdir()
    entry = GOOD  # an agency's own procedure, as the catalogue tests write it
    (folder / "mine.json").write_text(json.dumps({"procedures": [entry]}), "utf-8")
    env = data_env | {"SOHOA_PROCEDURES_DIR": str(folder)}
    assert "9.000001" in sohoa(env, "procedures", "list").stdout
    (folder / "broken.json").write_text(
        json.dumps({"procedures": [entry | {"code": "9.000002", "level": "huyen"}]}), "utf-8"
    )
    broken = sohoa(env, "procedures", "list")
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1 and "broken.json" in broken.stderr


def test_an_unknown_procedure_is_refused_before_any_work(data_env: dict[str, str], tmp_path: Path) -> None:
    out = sohoa(
        data_env, "process", str(tmp_path / "missing.pdf"), "--out", str(tmp_path / "out"), "--procedure", "0.0"
    )
    assert out.returncode == 2 and "0.0" in out.stderr
    assert not (tmp_path / "data" / "sohoa.db").exists()


def test_a_dossier_missing_its_id_card_is_received_with_a_finding(data_env: dict[str, str], tmp_path: Path) -> None:
    scan = generate_dossier(tmp_path / "gen", seed=7, kinds=("to_khai", "gcn_qsdd"), fmt="pdf")
    run = sohoa(
        data_env, "process", str(scan), "--out", str(tmp_path / "out"), "--procedure", "1.004194", "--json", timeout=300
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    validate_result(result)
    reception = result["procedure"]
    assert reception["code"] == "1.004194" and reception["missing"] == ["giay_to_tuy_than"]
    assert [d["component"] for d in result["documents"]] == ["to_khai_ct01", "cho_o_hop_phap"]
    written = json.loads((tmp_path / "out" / f"{result['dossier']['code']}.json").read_text("utf-8"))
    assert written["procedure"] == reception
    assert result["dossier"]["due_on"] and reception["processing_days"] == 7
    kept = sohoa(data_env, "process", str(scan), "--out", str(tmp_path / "out2"), "--procedure", "1.004206", "--json")
    assert kept.returncode == 0, kept.stderr
    seen = json.loads(kept.stdout)
    assert seen["dossier"]["already_seen"] and seen["procedure"]["code"] == "1.004194", "the dossier keeps its own"
    first = seen["procedure"]["findings"][0]
    assert first["code"] == "procedure_kept" and "1.004206" in first["message"]
    assert seen["dossier"]["due_on"] == result["dossier"]["due_on"]
    again = sohoa(data_env, "procedures", "check", result["dossier"]["code"], "--procedure", "1.004206", "--json")
    assert again.returncode == 0, again.stderr
    other = json.loads(again.stdout)
    assert (
        other["code"] == "1.004206"
        and other["missing"] == ["giay_to_tuy_than"]
        and other["extra"] == [result["documents"][1]["code"]]
    )


def test_the_submit_receipt_lists_the_components_asked_for(data_env: dict[str, str], tmp_path: Path) -> None:
    scan = generate_dossier(tmp_path / "gen", seed=3, kinds=("cccd",), fmt="pdf")
    env = data_env | {"SOHOA_REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens: recorded, queued later
    unknown = sohoa(env, "submit", str(scan), "--procedure", "0.0", "--json")
    assert unknown.returncode == 2 and not (tmp_path / "data" / "sohoa.db").exists()
    run = sohoa(env, "submit", str(scan), "--procedure", "1.000894", "--json", timeout=120)
    assert run.returncode == 0, run.stderr
    procedure = json.loads(run.stdout)["procedure"]
    assert procedure["code"] == "1.000894"
    ids = next(c for c in procedure["components"] if c["key"] == "giay_to_tuy_than")
    assert ids["copies"] == 2 and ids["status"] == "awaiting"
