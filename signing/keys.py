"""Loading signing keys, and telling a development certificate from a real one.

Everything downstream takes a pyHanko ``Signer``: a ``SimpleSigner`` from a PKCS#12 file today, a
``PKCS11Signer`` (token/HSM) later, with no other change. Whether a certificate is the development
one is read from the certificate itself, never passed as a flag, so a development key configured
by mistake as the "real" signer still gets the "BẢN THỬ NGHIỆM" line on its stamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import Signer, SimpleSigner

from sohoa.errors import SigningError
from sohoa.settings import Settings

__all__ = ["DEV_MARKER", "common_name", "is_development_certificate", "load_pkcs12_signer", "signer_from_settings"]

DEV_MARKER = "BẢN THỬ NGHIỆM"  # in the names of every development certificate (signing.devpki)


def load_pkcs12_signer(
    pkcs12: Path, password: bytes | None, *, extra_certs: Sequence[Path] = (), prefer_pss: bool = False
) -> SimpleSigner:
    """Load a PKCS#12 bundle as a pyHanko signer, with a clear error instead of pyHanko's ``None``.

    ``extra_certs`` (PEM/DER) are intermediates/roots to embed so validators can build the chain.
    ``prefer_pss`` selects RSASSA-PSS (Circular 15/2025); off by default until a Vietnamese
    verifier has been tried on a PSS sample (notes/signing.md §7.1).
    """
    try:
        data = Path(pkcs12).read_bytes()
        others = list(load_certs_from_pemder([str(p) for p in extra_certs]))
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=others, passphrase=password)
    except (OSError, ValueError) as exc:
        raise SigningError(
            f"Không đọc được khóa ký {pkcs12}: {exc}",
            hint="kiểm tra SOHOA_SIGNER_PKCS12 và SOHOA_SIGNER_PKCS12_PASSWORD",
            file=str(pkcs12),
        ) from exc
    signer.prefer_pss = prefer_pss
    return signer


def signer_from_settings(settings: Settings) -> SimpleSigner:
    """The configured signer, or the development one (made on first use) when none is configured."""
    if settings.signer_pkcs12 is not None:
        password = settings.signer_pkcs12_password
        return load_pkcs12_signer(settings.signer_pkcs12, password.encode() if password else None)
    from signing.devpki import load_dev_signer  # here: devpki imports this module

    return load_dev_signer(settings.keys_dir, settings.agency_name)


def is_development_certificate(cert: asn1_x509.Certificate) -> bool:
    """True for certificates of the development PKI (subject or issuer carries the test marker)."""
    names = (cert.subject.native, cert.issuer.native)
    return any(DEV_MARKER in str(value) for name in names for value in name.values())


def common_name(signer: Signer) -> str:
    """The signer certificate's common name, what the stamp and the reports show."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("Khóa ký không có chứng thư số", hint="kiểm tra tệp PKCS#12 hoặc token")
    return str(cert.subject.native.get("common_name", cert.subject.human_friendly))
