"""Signing and verifying against a real offline PKI (certomancer, served on loopback): every level,
tampering, trust, expiry, revocation, changes after signing, long-term validation, and poppler's
``pdfsig`` as an independent second opinion on every good and tampered file.

pdfsig exits 0 whatever it finds, so its "Signature Validation:" lines are parsed; it never checks the
certificate here (``-nocert``), so for trust, expiry and revocation it is expected to call the signature
valid: those rows show what pdfsig alone would miss.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from freezegun import freeze_time
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from test_signing_sign_verify import make_pdf
from testpki import PFX_PASSWORD, PkiServer

from signing.approval import APPROVAL_FIELD, FIELDS_FILE, embed_fields, read_embedded_fields
from signing.keys import load_pkcs12_signer
from signing.ltv import extend_pdf
from signing.sign import LEVELS, SignatureSummary, sign_pdf
from signing.verify import pdfsig_verdicts, verify_file, verify_pdf
from sohoa.errors import SigningError

BOX = (300.0, 18.0, 560.0, 78.0)
AGENCY_LINE = "Cơ quan: UBND Phường Thử Nghiệm — Bộ phận Một cửa"
UNTRUSTED = "Chứng thư số không thuộc chuỗi tin cậy đã cấu hình"
CHANGED = "Tệp đã bị sửa đổi sau khi ký theo cách không được phép"


def _sign(pki: PkiServer, src: Path, dst: Path, level: str, label: str = "signer1", **kw: object) -> SignatureSummary:
    signer = load_pkcs12_signer(pki.pfx(label), PFX_PASSWORD, prefer_pss=bool(kw.pop("pss", False)))
    return sign_pdf(
        src,
        dst,
        signer=signer,
        stamp_box=kw.pop("stamp_box", BOX),  # type: ignore[arg-type]
        stamp_lines=[AGENCY_LINE],
        level=level,  # type: ignore[arg-type]
        tsa_url=pki.tsa_url,
        trust_roots=[pki.cert_pem("root")],
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "in.pdf"
    make_pdf(path)
    return path


@pytest.fixture(scope="module")
def signed(pki: PkiServer, source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same page signed once at each level by the good signer."""
    out = tmp_path_factory.mktemp("levels")
    files = {}
    for level in LEVELS:
        summary = _sign(pki, source, out / f"{level}.pdf", level)
        assert summary.level == f"PAdES {level}" and summary.needs_ltv == (level in ("B-B", "B-T"))
        files[level] = out / f"{level}.pdf"
    return files


def _roots(pki: PkiServer) -> list[Path]:
    return [pki.cert_pem("root")]


@pytest.mark.parametrize("level", LEVELS)
def test_a_good_signature_validates_at_each_level(pki: PkiServer, signed: dict[str, Path], level: str) -> None:
    report = verify_file(signed[level], trust_roots=_roots(pki))
    [sig] = report.signatures
    assert report.ok and sig.bottom_line and sig.problems == ()
    assert (sig.intact, sig.valid, sig.trusted, sig.revoked) == (True, True, True, False)
    assert sig.level == f"PAdES {level}" and sig.signer == "UBND Phường Thử Nghiệm"
    assert sig.signing_time is not None and sig.signing_time.endswith("+07:00")
    if level == "B-B":
        assert sig.timestamp is None and sig.timestamp_trusted is None
    else:
        assert sig.timestamp is not None and sig.timestamp.endswith("+07:00") and sig.timestamp_trusted
    stamps = report.document_timestamps
    assert len(stamps) == (1 if level == "B-LTA" else 0)
    assert all(t.trusted and t.intact and t.tsa == "sohoa Test TSA" for t in stamps)
    assert sig.modification_level == ("NONE" if level in ("B-B", "B-T") else "LTA_UPDATES")
    # pdfsig: the signature itself valid; it cannot check a document timestamp at all
    assert pdfsig_verdicts(signed[level])[0] == "Signature is Valid."


def test_the_stamp_shows_agency_signer_and_time_in_vietnam_time(signed: dict[str, Path]) -> None:
    text = subprocess.run(["pdftotext", str(signed["B-LTA"]), "-"], capture_output=True, text=True, check=True).stdout
    [sig] = verify_pdf(signed["B-LTA"])
    assert AGENCY_LINE in text and "Ký số bởi: UBND Phường Thử Nghiệm" in text
    assert f"Thời gian ký: {sig.signing_time}" in text and sig.signing_time and sig.signing_time.endswith("+07:00")
    assert "BẢN THỬ NGHIỆM" not in text  # a real (test-PKI) certificate is not the development one


@pytest.mark.parametrize("level", ["B-T", "B-LTA"])
def test_a_byte_flipped_in_the_signed_range_is_caught(
    pki: PkiServer, signed: dict[str, Path], level: str, tmp_path: Path
) -> None:
    data = bytearray(signed[level].read_bytes())
    data[data.index(b"(Ket qua so hoa)") + 2] = ord("a")
    tampered = tmp_path / "flipped.pdf"
    tampered.write_bytes(bytes(data))
    report = verify_file(tampered, trust_roots=_roots(pki))
    assert not report.ok and not report.signatures[0].intact
    assert report.signatures[0].problems[0] == "Nội dung đã bị thay đổi sau khi ký (mã băm không khớp)"
    assert pdfsig_verdicts(tampered)[0] == "Digest Mismatch."


def test_an_altered_signature_value_is_caught(pki: PkiServer, signed: dict[str, Path], tmp_path: Path) -> None:
    path = signed["B-T"]
    with open(path, "rb") as fh:
        value = PdfFileReader(fh).embedded_regular_signatures[0].signer_info["signature"].native
    data = bytearray(path.read_bytes())
    at = data.index(value[:16].hex().upper().encode())
    data[at] = ord("0") if data[at] != ord("0") else ord("1")  # one hex digit of the RSA signature value
    tampered = tmp_path / "sigvalue.pdf"
    tampered.write_bytes(bytes(data))
    [sig] = verify_pdf(tampered, trust_roots=_roots(pki))
    assert not sig.valid and not sig.bottom_line
    assert pdfsig_verdicts(tampered)[0] == "Signature is Invalid."


def test_a_wrong_trust_root_makes_the_signature_untrusted(pki: PkiServer, signed: dict[str, Path]) -> None:
    [sig] = verify_pdf(signed["B-LTA"], trust_roots=[pki.cert_pem("other-root")])
    assert sig.intact and sig.valid and not sig.trusted and not sig.bottom_line
    assert UNTRUSTED in sig.problems
    assert pdfsig_verdicts(signed["B-LTA"])[0] == "Signature is Valid."  # pdfsig -nocert misses it


def test_an_expired_signer_is_untrusted_and_refused_when_signing(pki: PkiServer, source: Path, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="hết hạn"):
        _sign(pki, source, tmp_path / "now.pdf", "B-B", label="signer-expired")
    assert not (tmp_path / "now.pdf").exists()
    with freeze_time("2021-06-01T03:00:00Z", tick=True):  # signed while the certificate was valid
        _sign(pki, source, tmp_path / "old.pdf", "B-B", label="signer-expired")
    [sig] = verify_pdf(tmp_path / "old.pdf", trust_roots=_roots(pki))
    assert sig.intact and sig.valid and not sig.trusted and not sig.bottom_line
    assert sig.signer == "Cán bộ Hết Hạn" and UNTRUSTED in sig.problems
    assert pdfsig_verdicts(tmp_path / "old.pdf") == ["Signature is Valid."]  # pdfsig -nocert misses it


def test_a_revoked_signer_is_reported_and_refused_for_long_term_signatures(
    pki: PkiServer, source: Path, tmp_path: Path
) -> None:
    _sign(pki, source, tmp_path / "revoked.pdf", "B-T", label="signer-revoked")
    [sig] = verify_pdf(tmp_path / "revoked.pdf", trust_roots=_roots(pki), fetch=True)
    assert sig.intact and sig.revoked and not sig.bottom_line
    assert "Chứng thư số của người ký đã bị thu hồi" in sig.problems
    [offline] = verify_pdf(tmp_path / "revoked.pdf", trust_roots=_roots(pki), fetch=False)
    assert not offline.revoked  # without the responder nothing says so: why verify fetches by default
    assert pdfsig_verdicts(tmp_path / "revoked.pdf") == ["Signature is Valid."]  # pdfsig misses it
    with pytest.raises(SigningError, match="thu hồi"):
        _sign(pki, source, tmp_path / "lta.pdf", "B-LTA", label="signer-revoked")
    assert not (tmp_path / "lta.pdf").exists()


def _incremental(src: Path, dst: Path, change: str) -> None:
    with open(src, "rb") as fh:
        writer = IncrementalPdfFileWriter(fh)
        if change == "page":
            page_ref, _ = writer.find_page_for_modification(0)
            page = page_ref.get_object()
            forged = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (So tien: 9.000.000) Tj ET")
            page["/Contents"] = writer.add_object(forged)
            writer.update_container(page)
        else:
            subject = generic.pdf_string("Kết quả số hóa")
            writer.set_info(generic.DictionaryObject({generic.NameObject("/Subject"): subject}))
        out = io.BytesIO()
        writer.write(out)
    dst.write_bytes(out.getvalue())


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_an_incremental_update_changing_a_page_is_reported(
    pki: PkiServer, signed: dict[str, Path], level: str, tmp_path: Path
) -> None:
    changed = tmp_path / "page.pdf"
    _incremental(signed[level], changed, "page")
    [sig] = verify_pdf(changed, trust_roots=_roots(pki))
    assert sig.intact and sig.trusted and not sig.bottom_line
    assert sig.modification_level == "OTHER" and CHANGED in sig.problems
    assert pdfsig_verdicts(changed)[0] == "Signature is Valid."  # pdfsig alone misses the change


def test_a_metadata_only_update_is_allowed(pki: PkiServer, signed: dict[str, Path], tmp_path: Path) -> None:
    changed = tmp_path / "meta.pdf"
    _incremental(signed["B-T"], changed, "info")
    [sig] = verify_pdf(changed, trust_roots=_roots(pki))
    assert sig.bottom_line and sig.problems == ()
    assert sig.modification_level == "LTA_UPDATES" and sig.coverage == "ENTIRE_REVISION"
    assert pdfsig_verdicts(changed) == ["Signature is Valid."]


def test_b_lta_stays_valid_after_the_signer_certificate_expires(pki: PkiServer, signed: dict[str, Path]) -> None:
    later = dt.datetime(2031, 6, 1, tzinfo=dt.UTC)  # signer1 expired 2030-01-01; TSA and CAs still valid
    with pki.services_at(later):  # the responders as they would answer in 2031
        [lta] = verify_pdf(signed["B-LTA"], trust_roots=_roots(pki), fetch=True, at=later)
        [bare] = verify_pdf(signed["B-B"], trust_roots=_roots(pki), fetch=True, at=later)
    assert lta.bottom_line and lta.trusted and lta.validation == "ades-lta"
    assert not bare.trusted and not bare.bottom_line and UNTRUSTED in bare.problems


def test_without_revocation_data_the_signature_falls_back_to_b_t_and_is_extended_later(
    pki: PkiServer, source: Path, tmp_path: Path
) -> None:
    with pki.revocation_down():
        summary = _sign(pki, source, tmp_path / "bt.pdf", "B-LTA")
    assert (summary.level, summary.requested_level, summary.needs_ltv) == ("PAdES B-T", "PAdES B-LTA", True)
    assert summary.ltv_reason
    [before] = verify_pdf(tmp_path / "bt.pdf", trust_roots=_roots(pki))
    assert before.level == "PAdES B-T" and before.bottom_line

    with pki.revocation_down(), pytest.raises(SigningError, match="dữ liệu xác thực"):
        extend_pdf(tmp_path / "bt.pdf", tmp_path / "lta.pdf", tsa_url=pki.tsa_url, trust_roots=_roots(pki))
    assert not (tmp_path / "lta.pdf").exists()
    done = extend_pdf(tmp_path / "bt.pdf", tmp_path / "lta.pdf", tsa_url=pki.tsa_url, trust_roots=_roots(pki))
    assert done.level == "PAdES B-LTA" and done.signatures == ("SohoaDigitization",)
    report = verify_file(tmp_path / "lta.pdf", trust_roots=_roots(pki))
    [after] = report.signatures
    assert after.level == "PAdES B-LTA" and after.bottom_line and after.modification_level == "LTA_UPDATES"
    assert len(report.document_timestamps) == 1 and report.document_timestamps[0].trusted
    assert pdfsig_verdicts(tmp_path / "lta.pdf")[0] == "Signature is Valid."


def test_hash_and_rsassa_pss_are_configurable(pki: PkiServer, source: Path, tmp_path: Path) -> None:
    summary = _sign(pki, source, tmp_path / "pss.pdf", "B-T", pss=True, md_algorithm="sha384")
    assert (summary.padding, summary.hash_algorithm) == ("pss", "sha384")
    [sig] = verify_pdf(tmp_path / "pss.pdf", trust_roots=_roots(pki))
    assert sig.bottom_line and (sig.signature_algorithm, sig.hash_algorithm) == ("rsassa_pss", "sha384")
    assert pdfsig_verdicts(tmp_path / "pss.pdf") == ["Signature is Valid."]


def test_the_approval_signature_embeds_the_fields_and_keeps_the_first_signature_valid(
    pki: PkiServer, signed: dict[str, Path], tmp_path: Path
) -> None:
    fields = {"schema": "sohoa.approved-fields/1", "result": "X-01", "fields": {"ho_ten": "Nguyễn Văn Bình"}}
    approved = tmp_path / "approved.pdf"
    _sign(
        pki, signed["B-LTA"], approved, "B-LTA", field_name=APPROVAL_FIELD, stamp_box=None,
        before_signing=embed_fields(fields), reason="Phê duyệt kết quả số hóa",
    )  # fmt: skip
    report = verify_file(approved, trust_roots=_roots(pki))
    first, second = report.signatures
    assert (first.kind, second.kind) == ("digitization", "approval")
    assert report.ok and first.bottom_line and second.bottom_line
    assert first.modification_level == "FORM_FILLING" and second.level == "PAdES B-LTA"
    assert len(report.document_timestamps) == 2
    assert read_embedded_fields(approved) == fields
    with open(approved, "rb") as fh:
        names = PdfFileReader(fh).root["/Names"]["/EmbeddedFiles"]["/Names"]
        assert str(names[0]) == FIELDS_FILE
    assert [v for v in pdfsig_verdicts(approved) if v != "Signature has not yet been verified."] == [
        "Signature is Valid.",
        "Signature is Valid.",
    ]

    # the approved data swapped afterwards (a new revision, no new signature) is reported
    forged = tmp_path / "forged.pdf"
    with open(approved, "rb") as fh:
        writer = IncrementalPdfFileWriter(fh)
        embed_fields({**fields, "fields": {"ho_ten": "Người Khác"}})(writer)
        out = io.BytesIO()
        writer.write(out)
    forged.write_bytes(out.getvalue())
    after = verify_file(forged, trust_roots=_roots(pki))
    assert not after.ok and not after.signatures[1].bottom_line
    assert "Dữ liệu đã duyệt đính kèm bị thay đổi sau chữ ký duyệt" in after.signatures[1].problems
    assert CHANGED in after.signatures[1].problems  # and the change rule refuses the new revision anyway
    with pytest.raises(SigningError, match="không xác định"):
        read_embedded_fields(forged)


def test_a_key_under_2048_bits_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from signing.keys import signer_from_settings
    from sohoa.settings import load_settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Khóa Yếu")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    p12 = tmp_path / "weak.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"w", key, cert, None, serialization.NoEncryption()))
    settings = load_settings(data_dir=tmp_path, signer="pkcs12", signer_pkcs12=p12)
    with pytest.raises(SigningError, match="RSA 1024 bit quá yếu: cần tối thiểu 2048 bit"):
        signer_from_settings(settings)
