"""`sohoa verify` on a PDF that `sohoa process` signed: untrusted without the root, valid with it, JSON too."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SOHOA

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_verify_reports_the_demo_signature(tmp_path: Path, data_env: dict[str, str]) -> None:
    out = tmp_path / "out"
    sample = ROOT / "samples" / "dossiers" / "quyet-dinh"
    subprocess.run([SOHOA, "process", str(sample), "--out", str(out)], env=data_env, check=True, capture_output=True)
    (pdf,) = out.glob("*.pdf")
    root = Path(data_env["SOHOA_DATA_DIR"]) / "keys" / "dev-signer" / "root.pem"

    untrusted = subprocess.run([SOHOA, "verify", str(pdf)], env=data_env, capture_output=True, text=True)
    assert untrusted.returncode == 1 and "Traceback" not in untrusted.stderr
    assert pdf.name in untrusted.stdout

    trusted = subprocess.run(
        [SOHOA, "verify", str(pdf), "--trust", str(root), "--json"], env=data_env, capture_output=True, text=True
    )
    entry = json.loads(trusted.stdout)[str(pdf)]
    sig, *approval = entry["signatures"]  # the approval signature follows when sohoa approved the result
    assert [s["field"] for s in approval] in ([], ["SohoaApproval"])
    assert entry["ok"] == sig["bottom_line"] and sig["level"] == "PAdES B-B"  # the demo has no TSA
    assert sig["intact"] and sig["valid"] and sig["trusted"] and sig["development"]
    assert sig["field"] == "SohoaDigitization"
    # the development key has no legal value, so the verdict lists that problem and the command says no
    assert sig["problems"] and trusted.returncode == (0 if sig["bottom_line"] else 1)
