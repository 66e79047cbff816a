"""A development PKI made offline on first use, so the embedded demo can sign with no setup at all.

It is a root CA and one signer certificate, both marked "BẢN THỬ NGHIỆM" so that nothing signed
with them can pass for a real signature: the stamp says so and ``verify_pdf`` reports them as
untrusted unless the development root is passed as a trust root on purpose (tests do this).

Layout under ``keys_dir``::

    dev-signer/
        signer.p12       PKCS#12: signer key + certificate + root certificate (0600)
        signer.password  the PKCS#12 password (0600)
        root.pem         the development root certificate (public)

The whole ``dev-signer`` folder is written in a temporary folder and renamed into place in one
step, so two processes racing on first use never see half a PKI: the loser of the rename throws
its own away and uses the winner's.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import SimpleSigner

from signing.keys import DEV_MARKER, load_pkcs12_signer
from sohoa.errors import SigningError

__all__ = [
    "DEV_MARKER",
    "DEV_ROOT_CN",
    "DEV_SIGNER_CN",
    "SignerFiles",
    "ensure_dev_signer",
    "load_dev_signer",
]

DEV_ROOT_CN = f"sohoa Development Root CA – {DEV_MARKER}"
DEV_SIGNER_CN = f"sohoa – Cán bộ số hóa ({DEV_MARKER})"
_DIR_NAME = "dev-signer"
_KEY_BITS = 3072  # Circular 15/2025 asks for >= 2048-bit RSA; 3072 costs ~1 s once.
_ROOT_YEARS = 10
_SIGNER_YEARS = 5


@dataclass(frozen=True)
class SignerFiles:
    """Where a PKCS#12 signer bundle lives, and the root that vouches for it."""

    pkcs12: Path
    password: bytes
    root_cert: Path


def ensure_dev_signer(keys_dir: Path, agency_name: str) -> SignerFiles:
    """Return the development signer under ``keys_dir``, making it on first use.

    Idempotent: an existing PKI is reused as it is, even if ``agency_name`` has changed since (delete
    ``keys_dir/dev-signer`` to make a new one). Safe when several processes call it at once.
    """
    final = keys_dir / _DIR_NAME
    if not _complete(final):
        try:
            _create(keys_dir, final, agency_name)
        except OSError as exc:
            raise SigningError(
                f"Không tạo được khóa ký thử nghiệm trong {keys_dir}: {exc}",
                hint="kiểm tra quyền ghi vào thư mục dữ liệu (SOHOA_DATA_DIR)",
            ) from exc
    return SignerFiles(
        pkcs12=final / "signer.p12",
        password=(final / "signer.password").read_bytes().strip(),
        root_cert=final / "root.pem",
    )


def load_dev_signer(keys_dir: Path, agency_name: str) -> SimpleSigner:
    """The development signer as a pyHanko ``SimpleSigner``, made on first use."""
    files = ensure_dev_signer(keys_dir, agency_name)
    return load_pkcs12_signer(files.pkcs12, files.password, extra_certs=(files.root_cert,))


def _create(keys_dir: Path, final: Path, agency_name: str) -> None:
    """Write a new PKI in a temp folder and rename it to ``final``; if another process won, keep theirs."""
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dev-signer-", dir=keys_dir))
    try:
        _write_pki(tmp, agency_name)
        try:
            os.rename(tmp, final)  # atomic; fails when ``final`` already holds another process's PKI
        except OSError:
            if not _complete(final):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ("signer.p12", "signer.password", "root.pem"))


def _write_pki(folder: Path, agency_name: str) -> None:
    """Make the root and the signer and write the three files into ``folder``."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    root_name = _name(DEV_ROOT_CN, agency_name)
    root = (
        _builder(root_name, root_name, root_key.public_key(), now, _ROOT_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    cert = (
        _builder(_name(DEV_SIGNER_CN, agency_name), root_name, key.public_key(), now, _SIGNER_YEARS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24).encode()
    bundle = pkcs12.serialize_key_and_certificates(
        b"sohoa-dev-signer", key, cert, [root], serialization.BestAvailableEncryption(password)
    )
    _write(folder / "signer.p12", bundle, 0o600)
    _write(folder / "signer.password", password, 0o600)
    _write(folder / "root.pem", root.public_bytes(serialization.Encoding.PEM), 0o644)
    folder.chmod(0o700)


def _name(common_name: str, agency_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_MARKER),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey, now: dt.datetime, years: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))  # tolerate a clock a little behind
        .not_valid_after(now + dt.timedelta(days=365 * years))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """CA: sign certificates and CRLs. Signer: digitalSignature + nonRepudiation, which pyHanko requires."""
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
