"""Publishing on approval: approved fields embedded, approval signature (B-LTA), both signatures valid,
`sohoa verify` checking the embedded fields against the database, and `sohoa sign extend` completing a
result that had to be published at B-T. Signed with the test PKI's PKCS#12 signer through the settings.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from seed_results import decision_fields, seed_dossier
from sqlalchemy import select, update
from test_signing_sign_verify import make_pdf
from testpki import PFX_PASSWORD, PkiServer

from signing.approval import read_embedded_fields
from signing.keys import load_pkcs12_signer
from signing.sign import sign_pdf
from signing.verify import pdfsig_verdicts, verify_file
from sohoa.settings import Settings, load_settings
from storage.db import session_scope
from storage.tables import DocumentRow, FieldRow
from tests.conftest import SOHOA
from workers.context import Context, open_context
from workers.publish import field_values, publish_result
from workers.results import show_result
from workers.review import approve_and_publish


def _env(pki: PkiServer, data: Path) -> dict[str, str]:
    return dict(
        os.environ,
        SOHOA_DATA_DIR=str(data),
        SOHOA_SIGNER="pkcs12",
        SOHOA_SIGNER_PKCS12=str(pki.pfx("signer1")),
        SOHOA_SIGNER_PKCS12_PASSWORD=PFX_PASSWORD.decode(),
        SOHOA_TSA_URL=pki.tsa_url,
        SOHOA_TRUST_ROOTS=str(pki.cert_pem("root")),
    )


def _settings(pki: PkiServer, data: Path) -> Settings:
    return load_settings(
        data_dir=data,
        signer="pkcs12",
        signer_pkcs12=pki.pfx("signer1"),
        signer_pkcs12_password=PFX_PASSWORD.decode(),
        tsa_url=pki.tsa_url,
        trust_roots=[pki.cert_pem("root")],
    )


def digitized_pdf(pki: PkiServer, folder: Path) -> Path:
    """A PDF carrying a real digitization signature (B-LTA, the test PKI), as the store stage leaves it."""
    make_pdf(folder / "in.pdf")
    signer = load_pkcs12_signer(pki.pfx("signer1"), PFX_PASSWORD)
    sign_pdf(
        folder / "in.pdf", folder / "digitized.pdf", signer=signer, stamp_box=(300.0, 18.0, 560.0, 78.0),
        level="B-LTA", tsa_url=pki.tsa_url, trust_roots=[pki.cert_pem("root")],
    )  # fmt: skip
    return folder / "digitized.pdf"


def store_signed(ctx: Context, code: str, pdf: Path) -> str:
    """Put ``pdf`` as result ``code``'s stored PDF and record its hash; the hash."""
    view = show_result(ctx.engine, code)
    obj = ctx.store.put_file(view.pdf_key, pdf, content_type="application/pdf")  # type: ignore[arg-type]
    with session_scope(ctx.engine) as s:
        s.execute(update(DocumentRow).where(DocumentRow.code == code).values(pdf_sha256=obj.sha256))
    return obj.sha256


def _stored_result(ctx: Context, pki: PkiServer, tmp_path: Path, token: str) -> str:
    """A dossier with one result whose stored PDF really carries a digitization signature (B-LTA)."""
    _, (code,) = seed_dossier(ctx.engine, token, [decision_fields()], state="needs_review")
    store_signed(ctx, code, digitized_pdf(pki, tmp_path))
    return code


def _published_pdf(ctx: Context, code: str, folder: Path) -> Path:
    view = show_result(ctx.engine, code)
    path = folder / f"{code}.pdf"
    ctx.store.download(view.pdf_key, path)  # type: ignore[arg-type]
    return path


def test_approval_publishes_with_embedded_fields_and_two_valid_signatures(pki: PkiServer, tmp_path: Path) -> None:
    ctx = open_context(_settings(pki, tmp_path / "data"))
    code = _stored_result(ctx, pki, tmp_path, "publish-1")
    before = show_result(ctx.engine, code).pdf_sha256

    done, published, failed = approve_and_publish(ctx, code, by="lan", force=True)
    assert failed is None and done.dossier_state == "published"
    [pub] = published
    assert (pub.level, pub.needs_ltv) == ("PAdES B-LTA", False)
    view = show_result(ctx.engine, code)
    assert view.state == "published" and view.pdf_sha256 == pub.pdf_sha256 != before
    assert view.signature["approval"]["field_name"] == "SohoaApproval"

    pdf = _published_pdf(ctx, code, tmp_path)
    report = verify_file(pdf, trust_roots=[pki.cert_pem("root")])
    assert report.ok and [s.kind for s in report.signatures] == ["digitization", "approval"]
    assert all(s.level == "PAdES B-LTA" for s in report.signatures)
    embedded = read_embedded_fields(pdf)
    assert embedded is not None and embedded["result"] == code and embedded["approved_by"] == "lan"
    assert embedded["fields"] == field_values(view.fields_dict())
    assert [v for v in pdfsig_verdicts(pdf) if v != "Signature has not yet been verified."] == [
        "Signature is Valid.",
        "Signature is Valid.",
    ]
    assert publish_result(ctx, code).already  # published once only

    env = _env(pki, tmp_path / "data")
    run = subprocess.run([SOHOA, "verify", str(pdf), "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    entry = json.loads(run.stdout)[str(pdf)]
    assert entry["ok"] and entry["embedded_fields"]["match"] is True and len(entry["signatures"]) == 2
    assert len(entry["document_timestamps"]) == 2

    with session_scope(ctx.engine) as s:  # the database drifts from what was signed
        s.execute(update(FieldRow).where(FieldRow.key == "number_symbol").values(value="999/QĐ-UBND"))
    run = subprocess.run([SOHOA, "verify", str(pdf), "--json"], env=env, capture_output=True, text=True, timeout=120)
    entry = json.loads(run.stdout)[str(pdf)]
    assert run.returncode == 1 and not entry["ok"]
    assert entry["embedded_fields"]["differences"] == ["number_symbol"]
    text = subprocess.run([SOHOA, "verify", str(pdf)], env=env, capture_output=True, text=True, timeout=120)
    assert text.returncode == 1 and "Dữ liệu đã duyệt trong tệp khác với cơ sở dữ liệu" in text.stdout


def test_verify_fails_a_file_that_is_not_the_pdf_recorded_for_the_result_it_claims(
    pki: PkiServer, tmp_path: Path
) -> None:
    """Issue 11 item 2: the embedded fields are checked against the result the file claims to be, and that
    result's recorded PDFs must include this very file; a validly signed file the database does not record
    under that code fails, whatever its signatures say."""
    ctx = open_context(_settings(pki, tmp_path / "data"))
    code = _stored_result(ctx, pki, tmp_path, "publish-claim")
    approve_and_publish(ctx, code, by="lan", force=True)
    pdf = _published_pdf(ctx, code, tmp_path)
    env = _env(pki, tmp_path / "data")
    with session_scope(ctx.engine) as s:  # the database records other bytes under this code
        row = s.scalars(select(DocumentRow).where(DocumentRow.code == code)).one()
        signature = {**row.signature, "pdf_versions": [{"kind": "published", "sha256": "0" * 64}]}
        s.execute(update(DocumentRow).where(DocumentRow.code == code).values(pdf_sha256="0" * 64, signature=signature))
    run = subprocess.run([SOHOA, "verify", str(pdf), "--json"], env=env, capture_output=True, text=True, timeout=120)
    entry = json.loads(run.stdout)[str(pdf)]
    assert run.returncode == 1 and not entry["ok"]
    assert entry["embedded_fields"]["match"] is False and "mã băm khác" in entry["embedded_fields"]["reason"]
    assert all(s["intact"] for s in entry["signatures"])  # the signatures alone would have passed it


def test_without_revocation_data_publishing_falls_back_to_b_t_and_extend_completes_it(
    pki: PkiServer, tmp_path: Path
) -> None:
    ctx = open_context(_settings(pki, tmp_path / "data"))
    code = _stored_result(ctx, pki, tmp_path, "publish-2")
    with pki.revocation_down():
        _, [pub], failed = approve_and_publish(ctx, code, by="lan", force=True)
    assert failed is None and (pub.level, pub.needs_ltv) == ("PAdES B-T", True)
    env = _env(pki, tmp_path / "data")
    run = subprocess.run([SOHOA, "sign", "extend", "--pending"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and f"{code}: PAdES B-LTA" in run.stdout, run.stdout + run.stderr
    view = show_result(ctx.engine, code)
    assert "ltv_added" in view.signature
    with session_scope(ctx.engine) as s:
        assert s.query(DocumentRow).filter_by(code=code).one().needs_ltv is False
    report = verify_file(_published_pdf(ctx, code, tmp_path), trust_roots=[pki.cert_pem("root")])
    assert report.ok and report.signatures[1].level == "PAdES B-LTA"


@pytest.mark.parametrize("argv", [["verify"], ["sign", "extend"]])
def test_cli_without_arguments_exits_non_zero(argv: list[str], data_env: dict[str, str]) -> None:
    run = subprocess.run([SOHOA, *argv], env=data_env, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "Traceback" not in run.stderr


def test_verify_exits_1_with_the_reason_for_an_unsigned_file(tmp_path: Path, data_env: dict[str, str]) -> None:
    make_pdf(tmp_path / "plain.pdf")
    run = subprocess.run(
        [SOHOA, "verify", str(tmp_path / "plain.pdf"), "--json"], env=data_env, capture_output=True, text=True
    )
    entry = json.loads(run.stdout)[str(tmp_path / "plain.pdf")]
    assert run.returncode == 1 and entry == {
        "ok": False, "signatures": [], "reasons": ["Tệp không có chữ ký số"], "error": "no_signature",
    }  # fmt: skip
