"""A scan that already carries a digital signature is kept byte-exact: verified, never re-rendered or
re-signed, its OCR only in the result JSON, and the result says so."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from testpki import PFX_PASSWORD, PkiServer

from samples.generator import generate_dossier
from signing.inputs import NOTE, has_signature
from signing.keys import load_pkcs12_signer
from signing.sign import sign_pdf
from sohoa.settings import Settings
from workers import lifecycle


@pytest.mark.slow
def test_a_signed_scan_is_kept_byte_exact_and_its_signature_verified(pki: PkiServer, tmp_path: Path) -> None:
    scan = generate_dossier(tmp_path / "in", seed=5, kinds=("thong_bao",), fmt="pdf", dpi=150, defects="clean")
    signed = tmp_path / "signed-scan.pdf"
    signer = load_pkcs12_signer(pki.pfx("signer1"), PFX_PASSWORD)
    sign_pdf(scan, signed, signer=signer, stamp_box=None, level="B-T", tsa_url=pki.tsa_url)
    assert has_signature(signed) and not has_signature(scan)
    settings = Settings(data_dir=tmp_path / "data", workers=1, trust_roots=[pki.cert_pem("root")])

    outcome = lifecycle.process_dossier([signed], settings, tmp_path / "out")

    [doc] = outcome.result["documents"]
    out_pdf = tmp_path / "out" / doc["pdf"]["filename"]
    assert out_pdf.read_bytes() == signed.read_bytes()  # not one byte rewritten
    assert doc["pdf"]["sha256"] == hashlib.sha256(signed.read_bytes()).hexdigest()
    sig = doc["signature"]
    assert sig["signed_input"] and sig["kept_byte_exact"] and sig["verified"] and sig["note"] == NOTE
    assert [s["signer"] for s in sig["signatures"]] == ["UBND Phường Thử Nghiệm"]
    assert doc["fields"]  # the OCR went into the JSON
    assert not (settings.keys_dir / "dev-signer").exists()  # nothing was signed, so no key was needed
