"""The offline test PKI of the signing tests: certomancer's architecture, served on loopback by a thread.

``tests/pki/certomancer.yml`` describes root -> issuing CA -> {good, revoked, expired} signers, a TSA, an
OCSP responder, CRLs and an unrelated root. The keys are made fresh (2048-bit RSA) in a temporary folder,
and certomancer's WSGI animator is served by werkzeug on a free 127.0.0.1 port; the port is known before
the certificates are made, so their OCSP/CRL URLs point at it. Nothing leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertomancerConfig, PKIArchitecture
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import BaseWSGIServer, make_server

CONFIG = Path(__file__).with_name("pki") / "certomancer.yml"
ARCH = "sohoa-test"
KEYS = ("root", "interm", "interm-ocsp", "tsa", "signer1", "signer-revoked", "signer-expired", "other-root")
PFX_PASSWORD = b"sohoa-test"


@dataclass
class PkiServer:
    """A running test PKI: files on disk and the base URL of its services."""

    folder: Path
    url: str
    arch: PKIArchitecture
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def cert_pem(self, label: str) -> Path:
        """The certificate ``label`` as a PEM file (written once)."""
        path = self.folder / f"{label}.cert.pem"
        if not path.exists():
            path.write_bytes(_pem(self.arch.get_cert(label).dump()))
        return path

    def pfx(self, label: str) -> Path:
        """Key + certificate + chain of ``label`` as a PKCS#12 file (password ``PFX_PASSWORD``)."""
        path = self.folder / f"{label}.p12"
        if not path.exists():
            path.write_bytes(self.arch.package_pkcs12(label, password=PFX_PASSWORD))
        return path

    @contextmanager
    def services_at(self, when: dt.datetime) -> Iterator[None]:
        """Serve OCSP, CRLs and timestamps as the PKI would at ``when`` (time travel for validation)."""
        live = self.server.app
        self.server.app = Animator(AnimatorArchStore({ARCH: self.arch}), at_time=when, with_web_ui=False)
        try:
            yield
        finally:
            self.server.app = live

    @contextmanager
    def revocation_down(self) -> Iterator[None]:
        """OCSP and CRL requests fail (503) while the TSA keeps answering: revocation data unavailable."""
        live = self.server.app

        def app(environ, start_response):  # type: ignore[no-untyped-def]
            path = environ.get("PATH_INFO", "")
            if "/ocsp/" in path or "/crls/" in path:
                return _not_ready(environ, start_response)
            return live(environ, start_response)

        self.server.app = app
        try:
            yield
        finally:
            self.server.app = live

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_test_pki(folder: Path) -> PkiServer:
    """Make the keys, bind a free loopback port, build the architecture for it and serve it."""
    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for label in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (keys / f"{label}.key.pem").write_bytes(pem)
    server = make_server("127.0.0.1", 0, _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(str(CONFIG), key_search_dir=str(keys), external_url_prefix=url)
    arch = config.get_pki_arch(ARCH)
    server.app = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False)  # type: ignore[assignment]
    thread = threading.Thread(target=server.serve_forever, name="test-pki", daemon=True)
    thread.start()
    return PkiServer(folder=folder, url=url, arch=arch, server=server, thread=thread)


def _not_ready(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"not ready"]


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der)
