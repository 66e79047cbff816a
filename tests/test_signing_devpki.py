"""The development PKI: made once, offline, reused, safe under a race, and unmistakably a test certificate."""

from __future__ import annotations

import datetime as dt
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from signing import devpki
from signing.devpki import DEV_ROOT_CN, DEV_SIGNER_CN, SignerFiles, ensure_dev_signer, load_dev_signer
from signing.keys import common_name, is_development_certificate, load_pkcs12_signer, signer_from_settings
from sohoa.errors import SigningError
from sohoa.settings import load_settings

AGENCY = "UBND Phường Thử Nghiệm"


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


def _asn1_cert(files: SignerFiles) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        _signer_cert(files.pkcs12, files.password).public_bytes(serialization.Encoding.DER)
    )


def _signer_cert(pkcs12_path: Path, password: bytes) -> x509.Certificate:
    _, cert, _ = pkcs12.load_key_and_certificates(pkcs12_path.read_bytes(), password)
    assert cert is not None
    return cert


def test_first_call_makes_root_and_signer_with_the_required_attributes(keys_dir: Path) -> None:
    files = ensure_dev_signer(keys_dir, AGENCY)
    cert = _signer_cert(files.pkcs12, files.password)
    root = x509.load_pem_x509_certificate(files.root_cert.read_bytes())

    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEV_SIGNER_CN
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == AGENCY
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DEV_ROOT_CN
    assert cert.issuer == root.subject
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert cert.public_key().key_size >= 2048  # type: ignore[union-attr]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=4 * 365) < lifetime < dt.timedelta(days=6 * 365)
    assert cert.not_valid_before_utc <= dt.datetime.now(dt.UTC) <= cert.not_valid_after_utc


def test_key_files_are_private(keys_dir: Path) -> None:
    files = ensure_dev_signer(keys_dir, AGENCY)
    for path in (files.pkcs12, files.pkcs12.with_name("signer.password")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.pkcs12.parent.stat().st_mode) == 0o700


def test_second_call_reuses_the_same_certificate(keys_dir: Path) -> None:
    first = ensure_dev_signer(keys_dir, AGENCY)
    before = first.pkcs12.read_bytes()
    second = ensure_dev_signer(keys_dir, "Another agency name")
    assert second == first
    assert second.pkcs12.read_bytes() == before
    assert [p.name for p in keys_dir.iterdir()] == ["dev-signer"]  # no temp folders left behind


def test_two_processes_racing_on_first_use_agree_on_one_pki(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(ensure_dev_signer, [tmp_path, tmp_path], [AGENCY, AGENCY]))
    assert results[0] == results[1]
    cert = _signer_cert(results[0].pkcs12, results[0].password)
    root = x509.load_pem_x509_certificate(results[0].root_cert.read_bytes())
    assert cert.issuer == root.subject
    cert.verify_directly_issued_by(root)
    assert [p.name for p in tmp_path.iterdir()] == ["dev-signer"]


def test_losing_the_rename_race_keeps_the_winners_pki(keys_dir: Path) -> None:
    winner = ensure_dev_signer(keys_dir, AGENCY)
    before = winner.pkcs12.read_bytes()
    devpki._create(keys_dir, keys_dir / "dev-signer", AGENCY)  # a late process finishing its own PKI
    assert ensure_dev_signer(keys_dir, AGENCY).pkcs12.read_bytes() == before
    assert [p.name for p in keys_dir.iterdir()] == ["dev-signer"]


def test_loaded_dev_signer_is_recognised_as_development(keys_dir: Path) -> None:
    signer = load_dev_signer(keys_dir, AGENCY)
    assert signer.signing_cert is not None
    assert is_development_certificate(signer.signing_cert)
    assert common_name(signer) == DEV_SIGNER_CN


def test_settings_without_a_configured_key_give_the_dev_signer(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, agency_name=AGENCY, signer_pkcs12=None)
    signer = signer_from_settings(settings)
    assert common_name(signer) == DEV_SIGNER_CN
    assert (settings.keys_dir / "dev-signer" / "signer.p12").is_file()


def test_settings_with_a_configured_pkcs12_use_it(keys_dir: Path, tmp_path: Path) -> None:
    files = ensure_dev_signer(keys_dir, AGENCY)
    settings = load_settings(
        data_dir=tmp_path, signer_pkcs12=files.pkcs12, signer_pkcs12_password=files.password.decode()
    )
    signer = signer_from_settings(settings)
    assert signer.signing_cert is not None
    assert signer.signing_cert.dump() == _asn1_cert(files).dump()
    assert not (tmp_path / "keys").exists()  # no development key made


def test_wrong_pkcs12_password_is_a_signing_error(keys_dir: Path) -> None:
    files = ensure_dev_signer(keys_dir, AGENCY)
    with pytest.raises(SigningError, match="Không đọc được khóa ký"):
        load_pkcs12_signer(files.pkcs12, b"wrong")


def test_unwritable_keys_dir_is_a_signing_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SigningError):
        ensure_dev_signer(blocker / "keys", AGENCY)
