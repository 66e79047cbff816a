"""Issue 11, items 1 and 2: a signed input is passed through byte-exact only when its signature earns it,
and every result is its own (two inputs of one name, a signed file holding two documents).

Passed through means: verified against the configured trust roots, digest intact, no active content. A
stranger's signature, a broken digest, a revoked certificate, JavaScript or an open action, or no trust
roots at all: the file is digitized like a scan (rendered, stamped, signed by the agency) and the result
says why. A passed-through result is never approved by sohoa and never signed over by the agency.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pikepdf
import pytest
from testpki import PFX_PASSWORD, PkiServer

from samples.generator import generate_dossier
from signing.approval import read_embedded_fields
from signing.keys import load_pkcs12_signer, open_signer
from signing.sign import sign_pdf
from signing.verify import verify_file
from sohoa.settings import Settings
from workers import lifecycle
from workers.context import open_context
from workers.publish import field_values
from workers.results import show_result
from workers.review import approve_and_publish

pytestmark = pytest.mark.slow


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scan(tmp_path: Path, name: str, *, seed: int, kinds: tuple[str, ...] = ("thong_bao",)) -> Path:
    return generate_dossier(tmp_path / name, seed=seed, kinds=kinds, fmt="pdf", dpi=150, defects="clean")


def _signed(pki: PkiServer, scan: Path, out: Path, *, label: str = "signer1") -> Path:
    signer = load_pkcs12_signer(pki.pfx(label), PFX_PASSWORD)
    out.parent.mkdir(parents=True, exist_ok=True)
    sign_pdf(scan, out, signer=signer, stamp_box=None, level="B-T", tsa_url=pki.tsa_url)
    return out


def _settings(tmp_path: Path, pki: PkiServer | None, **extra: object) -> Settings:
    roots = [pki.cert_pem("root")] if pki is not None else []
    return Settings(data_dir=tmp_path / "data", workers=1, trust_roots=roots, **extra)  # type: ignore[arg-type]


def _digitized(doc: dict, original: Path, out: Path) -> dict:
    """The result is the agency's own rendering of the input, with the reasons it was not passed through."""
    pdf = out / doc["pdf"]["filename"]
    assert pdf.read_bytes() != original.read_bytes()
    [signature] = verify_file(pdf).signatures  # exactly one: the agency's digitization signature
    assert signature.kind == "digitization" and signature.intact
    record = doc["signature"]["signed_input"]
    assert record["signed_input"] and not record["passed_through"] and not record["kept_byte_exact"]
    assert record["source_sha256"] == _sha(original)
    return record


def test_signed_input_trusted_is_passed_through_byte_exact_and_never_auto_approved(
    pki: PkiServer, tmp_path: Path
) -> None:
    signed = _signed(pki, _scan(tmp_path, "in", seed=5), tmp_path / "signed-scan.pdf")
    settings = _settings(tmp_path, pki)

    outcome = lifecycle.process_dossier([signed], settings, tmp_path / "out")

    [doc] = outcome.result["documents"]
    out_pdf = tmp_path / "out" / doc["pdf"]["filename"]
    assert out_pdf.read_bytes() == signed.read_bytes()
    assert doc["signature"]["passed_through"] and doc["signature"]["verified"]
    assert doc["signature"]["reasons"] == []
    assert doc["approval"]["automatic"] is False and "signed_input" in doc["approval"]["reasons"]
    assert outcome.result["dossier"]["state"] == "needs_review"
    assert not (settings.keys_dir / "dev-signer").exists()  # nothing was signed by the agency

    ctx = open_context(settings)
    done, published, problem = approve_and_publish(ctx, doc["code"], by="lan", force=True)
    assert problem is None and done.dossier_state == "published" and published
    view = show_result(ctx.engine, doc["code"])
    assert view.pdf_sha256 == _sha(signed)  # still the input's bytes: no approval signature over them
    assert view.signature["approval"]["signed"] is False
    stored = tmp_path / "stored.pdf"
    ctx.store.download(view.pdf_key, stored)  # type: ignore[arg-type]
    assert stored.read_bytes() == signed.read_bytes()
    assert read_embedded_fields(stored) is None


def test_signed_input_without_trust_roots_is_digitized_like_a_scan(pki: PkiServer, tmp_path: Path) -> None:
    signed = _signed(pki, _scan(tmp_path, "in", seed=5), tmp_path / "signed-scan.pdf")

    outcome = lifecycle.process_dossier([signed], _settings(tmp_path, None), tmp_path / "out")

    [doc] = outcome.result["documents"]
    record = _digitized(doc, signed, tmp_path / "out")
    assert "no_trust_roots" in record["reasons"]
    assert record["signatures"][0]["signer"] == "UBND Phường Thử Nghiệm"  # its own signature still reported


def test_signed_input_signed_by_a_stranger_is_digitized_like_a_scan(pki: PkiServer, tmp_path: Path) -> None:
    scan = _scan(tmp_path, "in", seed=5)
    stranger = tmp_path / "stranger.pdf"
    with open_signer(Settings(data_dir=tmp_path / "stranger-keys", signer="dev")) as signer:
        sign_pdf(scan, stranger, signer=signer, stamp_box=None, level="B-B")

    outcome = lifecycle.process_dossier([stranger], _settings(tmp_path, pki), tmp_path / "out")

    record = _digitized(outcome.result["documents"][0], stranger, tmp_path / "out")
    assert "untrusted" in record["reasons"] and "development_certificate" in record["reasons"]


def test_signed_input_with_a_broken_digest_is_digitized_like_a_scan(pki: PkiServer, tmp_path: Path) -> None:
    signed = _signed(pki, _scan(tmp_path, "in", seed=5), tmp_path / "signed-scan.pdf")
    data = bytearray(signed.read_bytes())
    at = data.index(b"stream", data.index(b"/DCTDecode")) + 500  # a byte of the page image: signed content
    data[at] ^= 0x01
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))

    outcome = lifecycle.process_dossier([broken], _settings(tmp_path, pki), tmp_path / "out")

    record = _digitized(outcome.result["documents"][0], broken, tmp_path / "out")
    assert "not_intact" in record["reasons"]


def test_signed_input_with_a_revoked_certificate_is_digitized_like_a_scan(pki: PkiServer, tmp_path: Path) -> None:
    signed = _signed(pki, _scan(tmp_path, "in", seed=5), tmp_path / "revoked.pdf", label="signer-revoked")

    outcome = lifecycle.process_dossier([signed], _settings(tmp_path, pki), tmp_path / "out")

    record = _digitized(outcome.result["documents"][0], signed, tmp_path / "out")
    assert "revoked" in record["reasons"]


@pytest.mark.parametrize("active", ["javascript", "open_action", "embedded_files"])
def test_signed_input_with_active_content_is_never_passed_through(pki: PkiServer, tmp_path: Path, active: str) -> None:
    scan = _scan(tmp_path, "in", seed=5)
    with pikepdf.open(scan) as pdf:
        if active == "javascript":
            script = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
            pdf.Root.Names = pikepdf.Dictionary(
                JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), script]))
            )
        elif active == "open_action":
            pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("http://127.0.0.1/"))
        else:
            pdf.attachments["payload.txt"] = pikepdf.AttachedFileSpec(pdf, b"hidden", mime_type="text/plain")
        pdf.save(tmp_path / "active.pdf")
    signed = _signed(pki, tmp_path / "active.pdf", tmp_path / "signed-active.pdf")

    outcome = lifecycle.process_dossier([signed], _settings(tmp_path, pki), tmp_path / "out")

    record = _digitized(outcome.result["documents"][0], signed, tmp_path / "out")
    assert f"active_content:{active}" in record["reasons"]
    assert outcome.result["dossier"]["sources"][0]["active_content"] == [active]


def test_two_inputs_with_the_same_name_in_different_folders_give_results_of_their_own(
    pki: PkiServer, tmp_path: Path
) -> None:
    first = _signed(pki, _scan(tmp_path, "s1", seed=5), tmp_path / "a" / "x.pdf")
    second = _signed(pki, _scan(tmp_path, "s2", seed=6, kinds=("quyet_dinh",)), tmp_path / "b" / "x.pdf")
    folder = tmp_path / "desk"
    shutil.copytree(tmp_path / "a", folder / "a")
    shutil.copytree(tmp_path / "b", folder / "b")

    outcome = lifecycle.process_dossier([folder], _settings(tmp_path, pki), tmp_path / "out")

    docs = outcome.result["documents"]
    assert len(docs) == 2
    got = [(tmp_path / "out" / d["pdf"]["filename"]).read_bytes() for d in docs]
    assert got == [first.read_bytes(), second.read_bytes()]  # each result is its own input, byte-exact
    assert [d["signature"]["source_sha256"] for d in docs] == [_sha(first), _sha(second)]
    assert docs[0]["type"] != docs[1]["type"]  # and its fields come from its own pages


def test_a_signed_input_holding_two_documents_gives_results_of_their_own(pki: PkiServer, tmp_path: Path) -> None:
    both = _scan(tmp_path, "in", seed=8, kinds=("thong_bao", "quyet_dinh"))
    signed = _signed(pki, both, tmp_path / "two-docs.pdf")
    settings = _settings(tmp_path, None)  # not trusted here: digitized, and split like any scan

    outcome = lifecycle.process_dossier([signed], settings, tmp_path / "out")

    docs = outcome.result["documents"]
    assert [d["type"] for d in docs] == ["notice", "decision"]
    pdfs = [tmp_path / "out" / d["pdf"]["filename"] for d in docs]
    assert len({_sha(p) for p in pdfs}) == 2
    for doc, pdf in zip(docs, pdfs, strict=True):
        with pikepdf.open(pdf) as opened:
            assert len(opened.pages) == len(doc["pages"])  # only its own pages
    ctx = open_context(settings)
    for doc in docs:
        approve_and_publish(ctx, doc["code"], by="lan", force=True)
    for doc in docs:
        view = show_result(ctx.engine, doc["code"])
        published = tmp_path / f"{doc['code']}.published.pdf"
        ctx.store.download(view.pdf_key, published)  # type: ignore[arg-type]
        embedded = read_embedded_fields(published)
        assert embedded is not None and embedded["result"] == doc["code"]
        assert embedded["fields"] == field_values(view.fields_dict())
        assert view.pdf_key.startswith(f"dossiers/{view.dossier}/results/{doc['code']}/")  # type: ignore[union-attr]


def test_a_trusted_signed_input_holding_two_documents_stays_one_result(pki: PkiServer, tmp_path: Path) -> None:
    """Its signature covers the whole file: sohoa neither splits nor re-renders it."""
    both = _scan(tmp_path, "in", seed=8, kinds=("thong_bao", "quyet_dinh"))
    signed = _signed(pki, both, tmp_path / "two-docs.pdf")

    outcome = lifecycle.process_dossier([signed], _settings(tmp_path, pki), tmp_path / "out")

    [doc] = outcome.result["documents"]
    with pikepdf.open(signed) as opened:
        assert doc["pages"] == list(range(1, len(opened.pages) + 1)) and len(opened.pages) >= 2
    assert doc["signature"]["passed_through"]
    assert (tmp_path / "out" / doc["pdf"]["filename"]).read_bytes() == signed.read_bytes()


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_signed_input_is_judged_the_same_in_queue_mode(
    pki: PkiServer, tmp_path: Path, redis_url: str, trusted: bool
) -> None:
    from queue_helpers import Effects, queue_env, start_worker, stop, submit, wait_for

    signed = _signed(pki, _scan(tmp_path, "in", seed=5), tmp_path / "signed-scan.pdf")
    env = queue_env(tmp_path / "data", redis_url, SOHOA_SIGNER="dev")
    if trusted:
        env["SOHOA_TRUST_ROOTS"] = str(pki.cert_pem("root"))
    code = submit(env, signed)
    effects = Effects(tmp_path / "data")
    worker = start_worker(env, "w", tmp_path / "w.log")
    try:
        wait_for("the dossier to finish", lambda: effects.done(code) or effects.state(code)[0] == "failed", 240)
    finally:
        stop(worker)
    ctx = open_context(_settings(tmp_path, pki))
    view = show_result(ctx.engine, f"{code}-01")
    assert not (tmp_path / "data" / "work" / code).exists()  # the fan-in removed its scratch files
    assert view.passed_through is trusted
    assert (view.pdf_sha256 == _sha(signed)) is trusted
    if not trusted:
        assert "no_trust_roots" in view.signature["signed_input"]["reasons"]
