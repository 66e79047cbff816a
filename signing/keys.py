"""Loading signing keys (PKCS#12 file, PKCS#11 token, development PKI) and checking they are fit to sign.

Everything downstream takes a pyHanko ``Signer``, whichever kind it is. ``open_signer`` is the one
entry point the lifecycle uses: it picks the signer from the settings, applies the hash/padding choice
and refuses weak keys (Circular 15/2025: RSA >= 2048 bits, ECDSA >= 256 bits) before anything is signed.
A PKCS#11 session is a resource, hence a context manager that logs out and closes it.

Whether a certificate is the development one is read from the certificate itself, never passed as a
flag, so a development key configured by mistake as the "real" signer still gets the "BẢN THỬ NGHIỆM"
line on its stamp.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from sohoa.errors import SigningError
from sohoa.settings import Settings

__all__ = [
    "DEV_MARKER",
    "MIN_EC_BITS",
    "MIN_RSA_BITS",
    "KeptKeySigner",
    "check_key_strength",
    "common_name",
    "is_development_certificate",
    "load_pkcs12_signer",
    "open_signer",
    "signer_from_settings",
]

DEV_MARKER = "BẢN THỬ NGHIỆM"  # in the names of every development certificate (signing.devpki)
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


class KeptKeySigner(SimpleSigner):
    """A ``SimpleSigner`` that parses its private key once instead of on every signature.

    pyHanko's ``SimpleSigner`` turns the key's DER into a cryptography object for each raw signature,
    and signs twice per PDF (a dry run sizes the signature): 2 x 90 ms of key checks per document, more
    than half of a B-B signature. RSA (PKCS#1 v1.5, PSS) and ECDSA, the algorithms sohoa allows, are
    signed with the kept key; anything else goes to pyHanko as before.
    """

    _kept: RSAPrivateKey | EllipticCurvePrivateKey | None = None

    @classmethod
    def from_simple(cls, signer: SimpleSigner) -> KeptKeySigner:
        """The same key, certificate and chain, as a ``KeptKeySigner``."""
        return cls(
            signing_cert=signer.signing_cert,
            signing_key=signer.signing_key,
            cert_registry=signer.cert_registry,
            prefer_pss=signer.prefer_pss,
            embed_roots=signer.embed_roots,
        )

    def _key(self) -> object:
        if self._kept is None:
            self._kept = _private_key(self.signing_key.dump())  # type: ignore[assignment]
        return self._kept

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism.signature_algo
        key = self._key()
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "rsassa_pss" and isinstance(key, RSAPrivateKey):
            padding, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, padding, hash_algo)
        if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


@lru_cache(maxsize=8)
def _private_key(der: bytes) -> object:
    """The key parsed (and, for RSA, checked: ~90 ms) once per process, whichever signer holds it."""
    return serialization.load_der_private_key(der, password=None)


@lru_cache(maxsize=8)
def _parsed_pkcs12(data: bytes, password: bytes | None, chain: tuple[bytes, ...]) -> SimpleSigner:
    """A PKCS#12 bundle unlocked once per process (~100 ms of key derivation); callers copy it."""
    others = [c for pemder in chain for c in load_certs_from_pemder_data(pemder)]
    signer = SimpleSigner.load_pkcs12_data(data, other_certs=others, passphrase=password)
    if signer is None:
        raise ValueError("sai mật khẩu hoặc tệp không phải PKCS#12")
    return signer


def load_pkcs12_signer(
    pkcs12: Path, password: bytes | None, *, extra_certs: Sequence[Path] = (), prefer_pss: bool = False
) -> SimpleSigner:
    """Load a PKCS#12 bundle as a pyHanko signer, with a clear error instead of pyHanko's ``None``.

    ``extra_certs`` (PEM/DER) are intermediates/roots to embed so validators can build the chain.
    ``prefer_pss`` selects RSASSA-PSS (Circular 15/2025).
    """
    try:
        data = Path(pkcs12).read_bytes()
        signer = _parsed_pkcs12(data, password, tuple(Path(p).read_bytes() for p in extra_certs))
    except (OSError, ValueError) as exc:
        raise SigningError(
            f"Không đọc được khóa ký {pkcs12}: {exc}",
            hint="kiểm tra SOHOA_SIGNER_PKCS12 và SOHOA_SIGNER_PKCS12_PASSWORD",
            file=str(pkcs12),
        ) from exc
    kept = KeptKeySigner.from_simple(signer)  # a copy: the cached bundle is never changed
    kept.prefer_pss = prefer_pss
    return kept


def signer_kind(settings: Settings) -> str:
    """``pkcs12``, ``pkcs11`` or ``dev`` (``Settings.chosen_signer``): the development key only when asked
    for or in the embedded mode; otherwise ``SigningError`` when no key is configured."""
    return settings.chosen_signer()


def signer_from_settings(settings: Settings) -> SimpleSigner:
    """The configured file-based signer (PKCS#12 or the development one, made on first use)."""
    kind = signer_kind(settings)
    pss = settings.sign_padding == "pss"
    if kind == "pkcs12":
        if settings.signer_pkcs12 is None:
            raise SigningError("SOHOA_SIGNER=pkcs12 nhưng chưa đặt SOHOA_SIGNER_PKCS12", hint="đường dẫn tệp .p12")
        password = settings.signer_pkcs12_password
        signer = load_pkcs12_signer(
            settings.signer_pkcs12,
            password.get_secret_value().encode() if password else None,
            extra_certs=settings.signer_chain,
            prefer_pss=pss,
        )
    elif kind == "dev":
        from signing.devpki import load_dev_signer  # here: devpki imports this module

        signer = load_dev_signer(settings.keys_dir, settings.agency_name)
        signer.prefer_pss = pss
    else:
        raise SigningError("khóa trên token PKCS#11 cần mở phiên: dùng open_signer", hint="SOHOA_SIGNER=pkcs11")
    check_key_strength(signer.signing_cert)
    return signer


@contextmanager
def open_signer(settings: Settings) -> Iterator[Signer]:
    """The signer the settings choose, checked for key strength; a token session is closed on exit."""
    if signer_kind(settings) != "pkcs11":
        yield signer_from_settings(settings)
        return
    from signing.pkcs11 import pkcs11_signer  # python-pkcs11 is only loaded when a token is used

    with pkcs11_signer(settings) as signer:
        check_key_strength(signer.signing_cert)
        yield signer


def check_key_strength(cert: asn1_x509.Certificate | None) -> None:
    """Refuse RSA keys under 2048 bits and EC keys under 256 bits, naming the size found."""
    if cert is None:
        raise SigningError("Khóa ký không có chứng thư số", hint="kiểm tra tệp PKCS#12 hoặc token")
    info = cert.public_key
    algorithm, bits = info.algorithm, info.bit_size
    minimum = {"rsa": MIN_RSA_BITS, "rsassa_pss": MIN_RSA_BITS, "ec": MIN_EC_BITS}.get(algorithm)
    if minimum is not None and bits < minimum:
        raise SigningError(
            f"Khóa ký {algorithm.upper()} {bits} bit quá yếu: cần tối thiểu {minimum} bit",
            hint="Thông tư 15/2025/TT-BKHCN: RSA từ 2048 bit hoặc ECDSA từ 256 bit; xin cấp chứng thư mới",
        )


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
