"""Detached CMS signatures over small byte strings: the audit log's seals.

A seal is not a PDF, so pyHanko signs it as general data (``Signer.async_sign_general_data``): a CMS
``SignedData`` without the content, carrying the signer's certificate (and chain), a signing-time
attribute and, when a TSA is configured, an RFC 3161 signature timestamp. Checking it is pyHanko's
``async_validate_detached_cms`` against the trust roots given, offline (no OCSP/CRL fetching: a seal is
judged at the time it says it was made, and a revoked key's earlier seals stay valid, as for PAdES).

The development certificate is recognised by its name (``is_development_certificate``) and reported as
such: a seal made with it proves nothing to someone who can read the data folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from signing.keys import check_key_strength, common_name, is_development_certificate
from signing.ltv import Network, check_validity_period, run_online
from sohoa.errors import SigningError

__all__ = ["DetachedCheck", "DetachedSignature", "check_detached", "sign_detached"]


@dataclass(frozen=True)
class DetachedSignature:
    """A detached CMS signature (DER) and who made it."""

    cms: bytes
    signer: str  # the certificate's common name
    cert_sha256: str
    development: bool
    timestamped: bool


@dataclass(frozen=True)
class DetachedCheck:
    """What ``check_detached`` found. ``ok``: intact, valid and made by a trusted certificate."""

    intact: bool
    trusted: bool
    signer: str
    cert_sha256: str
    development: bool
    timestamp: dt.datetime | None  # the TSA's time, when a valid timestamp token is present
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and not self.problems


def _cert_sha256(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def sign_detached(
    data: bytes,
    *,
    signer: Signer,
    md_algorithm: str = "sha256",
    tsa_url: str | None = None,
    timeout_s: float = 20,
) -> DetachedSignature:
    """Sign ``data`` (detached CMS), with a signature timestamp from ``tsa_url`` when given."""
    cert = signer.signing_cert
    check_key_strength(cert)
    check_validity_period(cert, dt.datetime.now(dt.UTC))

    async def work(net: Network) -> cms.ContentInfo:
        return await signer.async_sign_general_data(data, md_algorithm, timestamper=net.timestamper(tsa_url))

    try:
        signed = run_online(tsa_url is not None, timeout_s, work)
    except SigningError:
        raise
    except (OSError, PyHankoSigningError, ValueError, KeyError) as exc:
        raise SigningError(f"Ký niêm phong nhật ký thất bại: {type(exc).__name__}: {exc}") from exc
    return DetachedSignature(
        cms=signed.dump(),
        signer=common_name(signer),
        cert_sha256=_cert_sha256(cert),
        development=is_development_certificate(cert),
        timestamped=tsa_url is not None,
    )


def check_detached(
    data: bytes, signature: bytes, *, trust_roots: Sequence[asn1_x509.Certificate], at: dt.datetime
) -> DetachedCheck:
    """Check that ``signature`` (detached CMS, DER) signs ``data`` and chains to ``trust_roots`` at time ``at``."""
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        if not isinstance(signed_data, cms.SignedData):
            raise ValueError("not CMS SignedData")

        async def work(_net: Network) -> object:
            context = ValidationContext(trust_roots=list(trust_roots), moment=at, revocation_mode="soft-fail")
            return await async_validate_detached_cms(data, signed_data, signer_validation_context=context)

        status = run_online(False, 20, work)
    except (ValueError, KeyError, TypeError, OSError, PyHankoSigningError) as exc:
        return DetachedCheck(False, False, "?", "", False, None, (f"unreadable signature: {type(exc).__name__}",))
    cert = status.signing_cert  # type: ignore[attr-defined]
    problems = []
    intact = bool(status.intact and status.valid)  # type: ignore[attr-defined]
    if not intact:
        problems.append("the signature does not match the sealed content")
    trusted = bool(status.trusted)  # type: ignore[attr-defined]
    if intact and not trusted:
        problems.append("the signer's certificate does not chain to a trusted root")
    stamp = status.timestamp_validity  # type: ignore[attr-defined]
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        problems.append("its timestamp is not valid or not from a trusted TSA")
    return DetachedCheck(
        intact=intact,
        trusted=trusted,
        signer=str(cert.subject.native.get("common_name", cert.subject.human_friendly)),
        cert_sha256=_cert_sha256(cert),
        development=is_development_certificate(cert),
        timestamp=stamp.timestamp if stamp is not None and not problems else None,
        problems=tuple(problems),
    )
