"""Signing real PDFs and checking them with pyHanko and poppler: the claims of DESIGN.md "Signatures".

One small PDF (pikepdf, Helvetica text at known places, one word in the top-left corner) is signed once
per module with the development signer; each test checks one claim on it or on a tampered copy.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing.devpki import DEV_SIGNER_CN, SignerFiles, ensure_dev_signer
from signing.keys import load_pkcs12_signer
from signing.sign import DEV_STAMP_LINE, SignatureSummary, sign_pdf
from signing.stamp import STAMP_HEIGHT, STAMP_MARGIN, STAMP_WIDTH, Box, Placement, find_stamp_box
from signing.verify import NoSignatureError, pdfsig_verdicts, verify_pdf
from sohoa.errors import SigningError

AGENCY = "UBND Phường Thử Nghiệm"
PAGE_W, PAGE_H = 595.0, 842.0
STAMP = {"stamp_width": STAMP_WIDTH, "stamp_height": STAMP_HEIGHT, "margin": STAMP_MARGIN}
AGENCY_LINE = "Cơ quan: UBND Phường Thử Nghiệm — Bộ phận Một cửa"
# (x, baseline y from the bottom, text): a reference number in the top-left corner, then body text
TEXT = [(24, 808, "SO: 15/2026"), (72, 700, "Ket qua so hoa"), (72, 680, "Noi dung trang mot")]


def make_pdf(path: Path) -> None:
    """A one-page A4 PDF with uncompressed Helvetica text, so tests can find and flip its bytes."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    ops = b"".join(b"BT /F1 12 Tf %d %d Td (%s) Tj ET\n" % (x, y, s.encode()) for x, y, s in TEXT)
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, PAGE_W, PAGE_H],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
        Contents=pdf.make_stream(ops),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path, compress_streams=False)


def word_boxes(path: Path) -> list[Box]:
    """Word boxes of page 1 as poppler sees them: points, top-left origin (the stamp convention)."""
    html = _run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"])
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"'
    return [tuple(map(float, m)) for m in re.findall(pattern, html)]  # type: ignore[misc]


def _run(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> SignerFiles:
    return ensure_dev_signer(tmp_path_factory.mktemp("keys"), AGENCY)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "in.pdf"
    make_pdf(path)
    return path


@pytest.fixture(scope="module")
def signed(
    dev: SignerFiles, source: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, SignatureSummary, Placement]:
    placement = find_stamp_box(PAGE_W, PAGE_H, word_boxes(source), **STAMP)
    signer = load_pkcs12_signer(dev.pkcs12, dev.password, extra_certs=[dev.root_cert])
    dst = tmp_path_factory.mktemp("out") / "signed.pdf"
    summary = sign_pdf(source, dst, signer=signer, stamp_box=placement.box, stamp_lines=[AGENCY_LINE])
    return dst, summary, placement


def test_signed_pdf_is_intact_valid_and_trusted_with_the_dev_root(signed, dev: SignerFiles) -> None:
    path, summary, _ = signed
    [report] = verify_pdf(path, trust_roots=[dev.root_cert])
    assert (report.intact, report.valid, report.trusted, report.bottom_line) == (True, True, True, True)
    assert (report.field, report.signer) == ("SohoaDigitization", DEV_SIGNER_CN)
    assert (report.coverage, report.modification_level) == ("ENTIRE_FILE", "NONE")
    assert report.development
    assert report.problems == ("Ký bằng chứng thư thử nghiệm: không có giá trị pháp lý",)
    assert summary.level == "PAdES B-B" and summary.hash_algorithm == "sha256" and summary.development


def test_signed_pdf_is_untrusted_without_the_dev_root(signed) -> None:
    [report] = verify_pdf(signed[0])
    assert report.intact and report.valid
    assert not report.trusted and not report.bottom_line
    assert "Chứng thư số không thuộc chuỗi tin cậy đã cấu hình" in report.problems


def test_stamp_time_is_the_signature_time_in_vietnam_time(signed) -> None:
    path, summary, _ = signed
    [report] = verify_pdf(path)
    assert report.signing_time == summary.signing_time
    when = dt.datetime.fromisoformat(summary.signing_time)
    assert summary.signing_time.endswith("+07:00")
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=5)
    assert f"Thời gian ký: {summary.signing_time}" in _run(["pdftotext", str(path), "-"])


def test_pdfsig_calls_the_signature_valid(signed) -> None:
    assert pdfsig_verdicts(signed[0]) == ["Signature is Valid."]


def test_qpdf_check_is_clean(signed) -> None:
    run = subprocess.run(["qpdf", "--check", str(signed[0])], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax or stream encoding errors found" in run.stdout
    assert "WARNING" not in run.stdout + run.stderr


def test_stamp_text_is_readable_vietnamese_in_an_embedded_font(signed) -> None:
    text = _run(["pdftotext", str(signed[0]), "-"])
    assert f"Ký số bởi: {DEV_SIGNER_CN}" in text
    assert DEV_STAMP_LINE in text
    assert AGENCY_LINE in text
    fonts = _run(["pdffonts", str(signed[0])])
    noto = [line for line in fonts.splitlines() if "NotoSans" in line]
    assert noto and " yes " in noto[0], fonts  # embedded (emb yes), Identity-H


def test_stamp_sits_in_the_top_margin_of_page_1_and_covers_no_word(signed, source: Path) -> None:
    path, summary, placement = signed
    with pikepdf.open(path) as pdf:
        widgets = [a for a in pdf.pages[0].get("/Annots", []) if a.get("/T") == "SohoaDigitization"]
        assert len(widgets) == 1
        x0, y0, x1, y1 = (float(v) for v in widgets[0].Rect)
    rect = (x0, PAGE_H - y1, x1, PAGE_H - y0)  # back to the top-left origin
    assert rect == pytest.approx(placement.box, abs=0.01) and summary.stamp_box == placement.box
    assert placement.fits and placement.edge == "top"
    assert rect[1] == pytest.approx(STAMP["margin"]) and rect[3] < 100
    words = word_boxes(source)
    assert words[0][0] < 30 and words[0][1] < 40  # the corner word really is where the stamp would go
    assert not any(_overlaps(rect, w) for w in words)


def test_a_flipped_byte_is_caught_by_pyhanko_and_pdfsig(signed, dev: SignerFiles, tmp_path: Path) -> None:
    data = bytearray(signed[0].read_bytes())
    at = data.index(b"(Ket qua so hoa)") + 2
    data[at] = ord("a")  # "Ket" -> "Kat", inside the first signed byte range
    tampered = tmp_path / "flipped.pdf"
    tampered.write_bytes(bytes(data))
    [report] = verify_pdf(tampered, trust_roots=[dev.root_cert])
    assert not report.intact and not report.bottom_line
    assert report.problems[0] == "Nội dung đã bị thay đổi sau khi ký (mã băm không khớp)"
    assert pdfsig_verdicts(tampered) == ["Digest Mismatch."]


def test_a_pikepdf_resave_after_signing_is_caught(signed, dev: SignerFiles, tmp_path: Path) -> None:
    resaved = tmp_path / "resaved.pdf"
    with pikepdf.open(signed[0]) as pdf:
        pdf.save(resaved)
    [report] = verify_pdf(resaved, trust_roots=[dev.root_cert])
    assert not report.intact and not report.bottom_line
    assert pdfsig_verdicts(resaved) != ["Signature is Valid."]


def test_an_incremental_content_change_after_signing_is_caught(signed, dev: SignerFiles, tmp_path: Path) -> None:
    with open(signed[0], "rb") as fh:
        writer = IncrementalPdfFileWriter(fh)
        page_ref, _ = writer.find_page_for_modification(0)
        page = page_ref.get_object()
        forged = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (Forged) Tj ET")
        page["/Contents"] = writer.add_object(forged)
        writer.update_container(page)
        out = io.BytesIO()
        writer.write(out)
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(out.getvalue())
    [report] = verify_pdf(changed, trust_roots=[dev.root_cert])
    assert report.intact and not report.bottom_line  # the old bytes are intact, the change is not allowed
    assert report.modification_level == "OTHER"
    assert "Tệp đã bị sửa đổi sau khi ký theo cách không được phép" in report.problems
    assert pdfsig_verdicts(changed) == ["Signature is Valid."]  # why pdfsig is never the judge


def test_a_second_signature_keeps_the_first_one_valid(signed, dev: SignerFiles, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    approved = tmp_path / "approved.pdf"
    sign_pdf(signed[0], approved, signer=signer, stamp_box=(300.0, 100.0, 560.0, 160.0), field_name="SohoaApproval")
    first, second = verify_pdf(approved, trust_roots=[dev.root_cert])
    assert (first.field, second.field) == ("SohoaDigitization", "SohoaApproval")
    assert first.bottom_line and first.coverage == "ENTIRE_REVISION" and first.modification_level == "FORM_FILLING"
    assert second.bottom_line and second.coverage == "ENTIRE_FILE"
    assert pdfsig_verdicts(approved) == ["Signature is Valid.", "Signature is Valid."]


def test_signing_the_same_field_twice_is_a_signing_error(signed, dev: SignerFiles, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    with pytest.raises(SigningError):
        sign_pdf(signed[0], tmp_path / "again.pdf", signer=signer, stamp_box=(300.0, 100.0, 560.0, 160.0))
    assert not (tmp_path / "again.pdf").exists()


def test_an_unsigned_pdf_is_reported_as_having_no_signature(source: Path) -> None:
    with pytest.raises(NoSignatureError):
        verify_pdf(source)
    assert pdfsig_verdicts(source) == []


def test_a_real_certificate_gets_no_test_line_and_no_problems(source: Path, tmp_path: Path) -> None:
    root_pem, p12 = _make_plain_pki(tmp_path)
    signer = load_pkcs12_signer(p12, b"pw")
    dst = tmp_path / "signed.pdf"
    summary = sign_pdf(source, dst, signer=signer, stamp_box=(300.0, 18.0, 560.0, 78.0), stamp_lines=[AGENCY_LINE])
    assert not summary.development
    assert DEV_STAMP_LINE not in _run(["pdftotext", str(dst), "-"])
    [report] = verify_pdf(dst, trust_roots=[root_pem])
    assert report.bottom_line and report.problems == () and not report.development


def test_invisible_signature_when_no_stamp_box(dev: SignerFiles, source: Path, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    summary = sign_pdf(source, tmp_path / "out.pdf", signer=signer, stamp_box=None)
    assert summary.stamp_box is None
    assert summary.to_dict()["stamp_box"] is None
    [report] = verify_pdf(tmp_path / "out.pdf", trust_roots=[dev.root_cert])
    assert report.intact and report.trusted


def test_a_failed_signing_leaves_no_output_behind(dev: SignerFiles, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not a pdf body\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(SigningError):
        sign_pdf(broken, out_dir / "signed.pdf", signer=signer, stamp_box=(18.0, 18.0, 278.0, 78.0))
    assert list(out_dir.iterdir()) == []


def test_a_missing_stamp_font_is_a_clear_error(dev: SignerFiles, source: Path, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    with pytest.raises(SigningError, match="phông chữ"):
        sign_pdf(source, tmp_path / "x.pdf", signer=signer, stamp_box=(18, 18, 278, 78), font=tmp_path / "no.ttf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_stamp_box_outside_page_1_is_a_clear_error(dev: SignerFiles, source: Path, tmp_path: Path) -> None:
    signer = load_pkcs12_signer(dev.pkcs12, dev.password)
    with pytest.raises(SigningError, match="ngoài trang"):
        sign_pdf(source, tmp_path / "x.pdf", signer=signer, stamp_box=(400.0, 18.0, 700.0, 78.0))
    assert list(tmp_path.iterdir()) == []


def test_summary_to_dict_is_json_ready(signed) -> None:
    data = signed[1].to_dict()
    assert set(data) == {
        "field_name", "signer", "signing_time", "level", "hash_algorithm", "development", "stamp_box",
        "padding", "requested_level", "needs_ltv", "ltv_reason",
    }  # fmt: skip
    assert isinstance(data["stamp_box"], list)


def _make_plain_pki(folder: Path) -> tuple[Path, Path]:
    """A throwaway root + signer that is not marked as a development certificate."""
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root")])

    def build(subject: x509.Name, public_key: rsa.RSAPublicKey, ca: bool) -> x509.Certificate:
        usage = dict.fromkeys(
            ["key_encipherment", "data_encipherment", "key_agreement", "encipher_only", "decipher_only"], False
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root_name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca, content_commitment=not ca, key_cert_sign=ca, crl_sign=ca, **usage
                ),
                critical=True,
            )
            .sign(root_key, hashes.SHA256())
        )

    root = build(root_name, root_key.public_key(), ca=True)
    cert = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn A")]), key.public_key(), ca=False)
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    p12 = folder / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(b"a", key, cert, [root], serialization.BestAvailableEncryption(b"pw"))
    )
    return root_pem, p12
