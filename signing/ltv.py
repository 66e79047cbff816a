"""Long-term validation data: the network side of signing (TSA, OCSP, CRL) and adding it later.

Why it is shaped this way:

* PAdES B-LT/B-LTA embed the OCSP responses and CRLs that prove the signer was not revoked when it
  signed. They are fetched from the URLs in the certificates, at signing time. When they cannot be
  fetched (responder down, no URLs), the signature is still made at B-T (a trusted time is the floor)
  and the result is flagged ``needs_ltv``; ``extend_pdf`` (``sohoa sign extend``) adds the data and an
  archive timestamp later, in an incremental update that leaves every signature valid.
* A revoked or expired signer is refused outright: signing software must check the certificate before
  signing (Circular 15/2025/TT-BKHCN).
* Every network call of one operation shares one aiohttp session on one event loop, closed at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfTimeStamper, Signer
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from sohoa.errors import SigningError

__all__ = ["Network", "RevinfoUnavailable", "check_signer", "check_validity_period", "extend_pdf", "load_roots"]

T = TypeVar("T")


class RevinfoUnavailable(Exception):
    """Revocation data for the signer could not be had: sign at B-T and flag the result ``needs_ltv``."""


def load_roots(paths: Sequence[Path]) -> list[asn1_x509.Certificate]:
    """Trust roots from PEM/DER files, with one clear error for a missing or broken file."""
    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as exc:
        raise SigningError(f"Không đọc được chứng thư gốc tin cậy: {exc}", hint="kiểm tra SOHOA_TRUST_ROOTS") from exc


@dataclass
class Network:
    """One operation's network access: its aiohttp session, TSA and revocation fetchers."""

    session: aiohttp.ClientSession | None
    timeout_s: float

    def timestamper(self, url: str | None) -> TimeStamper | None:
        if url is None:
            return None
        if self.session is None:
            raise SigningError("Cần mạng để lấy dấu thời gian (TSA) nhưng đang tắt tải dữ liệu")
        return HTTPTimeStamper(url, timeout=self.timeout_s, session=self.session)

    def context(
        self,
        roots: Sequence[asn1_x509.Certificate],
        others: Sequence[asn1_x509.Certificate] = (),
        *,
        mode: str = "hard-fail",
        **kwargs: Any,
    ) -> ValidationContext:
        """A validation context trusting only ``roots``; fetching OCSP/CRL only when the network is on."""
        backend = AIOHttpFetcherBackend(self.session, per_request_timeout=self.timeout_s) if self.session else None
        return ValidationContext(
            trust_roots=list(roots),
            other_certs=list(others),
            allow_fetching=self.session is not None,
            fetcher_backend=backend,
            revocation_mode=mode,
            **kwargs,
        )


@asynccontextmanager
async def network(fetch: bool, timeout_s: float) -> AsyncIterator[Network]:
    """A ``Network`` for one operation; without ``fetch`` nothing goes out (offline verification)."""
    if not fetch:
        yield Network(None, timeout_s)
        return
    async with aiohttp.ClientSession() as session:
        yield Network(session, timeout_s)


def run_online(fetch: bool, timeout_s: float, work: Callable[[Network], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh event loop with its own network session (pyHanko's API is async)."""

    async def main() -> T:
        async with network(fetch, timeout_s) as net:
            return await work(net)

    return asyncio.run(main())


def check_validity_period(cert: asn1_x509.Certificate, when: dt.datetime) -> None:
    """Refuse to sign with a certificate that has expired or is not valid yet."""
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    if when > end:
        raise SigningError(
            f"Chứng thư số của người ký đã hết hạn ngày {end.date().isoformat()}", hint="xin gia hạn hoặc cấp mới"
        )
    if when < start:
        raise SigningError(f"Chứng thư số của người ký chưa có hiệu lực (từ {start.date().isoformat()})")


async def check_signer(signer: Signer, context: ValidationContext) -> None:
    """Validate the signer's certificate with revocation data before a B-LT/B-LTA signature.

    Raises ``SigningError`` for a revoked or expired certificate, ``RevinfoUnavailable`` when the
    chain or its revocation status cannot be established from here (the caller falls back to B-T).
    """
    cert = signer.signing_cert
    others = list(signer.cert_registry) if signer.cert_registry is not None else []
    validator = CertificateValidator(cert, intermediate_certs=others, validation_context=context)
    try:
        await validator.async_validate_usage(key_usage={"non_repudiation"})
    except RevokedError as exc:
        raise SigningError(
            "Chứng thư số của người ký đã bị thu hồi: không ký", hint="dùng chứng thư số còn hiệu lực"
        ) from exc
    except (ExpiredError, NotYetValidError) as exc:
        raise SigningError(f"Chứng thư số của người ký không còn hiệu lực: {exc}") from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise RevinfoUnavailable(str(exc)) from exc


@dataclass(frozen=True)
class Extension:
    """What ``extend_pdf`` added: validation data for these signatures, and an archive timestamp."""

    signatures: tuple[str, ...]
    archive_timestamp: bool
    level: str


def extend_pdf(
    src: Path,
    dst: Path,
    *,
    tsa_url: str,
    trust_roots: Sequence[Path],
    md_algorithm: str = "sha256",
    timeout_s: float = 20,
) -> Extension:
    """Add OCSP/CRL data for every signature of ``src`` and an archive timestamp: B-T becomes B-LTA.

    Incremental updates only, so every earlier signature stays valid. ``dst`` appears all at once.
    Raises ``SigningError`` (nothing written) when the data still cannot be fetched.
    """
    roots = load_roots(trust_roots)
    data = Path(src).read_bytes()

    async def work(net: Network) -> tuple[bytes, tuple[str, ...]]:
        buf = io.BytesIO(data)
        reader = PdfFileReader(buf)
        names = tuple(str(s.field_name) for s in reader.embedded_regular_signatures)
        if not names:
            raise SigningError("Tệp không có chữ ký số để bổ sung dữ liệu xác thực", file=str(src))
        embedded = [c.dump() for s in reader.embedded_regular_signatures for c in s.other_embedded_certs]
        others = [asn1_x509.Certificate.load(c) for c in embedded]
        context = net.context(roots, others)
        for index in range(len(names)):
            sig = PdfFileReader(buf).embedded_regular_signatures[index]
            await async_add_validation_info(sig, context, in_place=True)
        stamper = PdfTimeStamper(net.timestamper(tsa_url))
        await stamper.async_timestamp_pdf(IncrementalPdfFileWriter(buf), md_algorithm, context, in_place=True)
        await context.aclose()
        return buf.getvalue(), names

    try:
        out, names = run_online(True, timeout_s, work)
    except (PyHankoSigningError, PathValidationError, PathBuildingError, PdfError, aiohttp.ClientError) as exc:
        raise SigningError(f"Chưa bổ sung được dữ liệu xác thực dài hạn: {exc}", file=str(src)) from exc
    write_atomically(dst, out)
    return Extension(signatures=names, archive_timestamp=True, level="PAdES B-LTA")


def write_atomically(dst: Path, data: bytes) -> None:
    """Write ``dst`` through a temporary file and a rename: readers never see half a PDF."""
    tmp = dst.parent / f".{dst.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
