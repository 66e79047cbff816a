"""Signing with a key that stays on a PKCS#11 token: a SoftHSM2 token made in a temporary folder.

The token gets the test PKI's good signer (key + certificate + chain) through certomancer's Alchemist,
as pyHanko's own CI does; sohoa then finds it only through its settings (SOHOA_SIGNER=pkcs11, module,
token label, PIN, key label). Skipped when SoftHSM2 is not installed (apt: softhsm2).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from softhsm import LABEL, MODULE, PIN, softhsm_token
from test_signing_sign_verify import make_pdf
from testpki import PkiServer

from signing.keys import open_signer
from signing.sign import sign_pdf
from signing.verify import pdfsig_verdicts, verify_file
from sohoa.errors import SigningError
from sohoa.settings import Settings, load_settings

pytestmark = pytest.mark.skipif(not MODULE.is_file(), reason="SoftHSM2 not installed (apt: softhsm2)")


@pytest.fixture(scope="module")
def token(pki: PkiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh SoftHSM2 token holding signer1's key, certificate and chain; SOFTHSM2_CONF points at it."""
    with softhsm_token(tmp_path_factory.mktemp("softhsm"), pki) as conf:
        yield conf


def _settings(tmp_path: Path, **kw: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "signer": "pkcs11",
        "pkcs11_module": MODULE,
        "pkcs11_token_label": LABEL,
        "pkcs11_pin": PIN,
        "pkcs11_key_label": "signer1",
    }
    return load_settings(**(values | kw))


def test_a_token_key_signs_at_b_lta_and_validates(pki: PkiServer, token: Path, tmp_path: Path) -> None:
    make_pdf(tmp_path / "in.pdf")
    with open_signer(_settings(tmp_path)) as signer:
        summary = sign_pdf(
            tmp_path / "in.pdf", tmp_path / "p11.pdf", signer=signer, stamp_box=(300.0, 18.0, 560.0, 78.0),
            level="B-LTA", tsa_url=pki.tsa_url, trust_roots=[pki.cert_pem("root")],
        )  # fmt: skip
    assert summary.level == "PAdES B-LTA" and summary.signer == "UBND Phường Thử Nghiệm"
    report = verify_file(tmp_path / "p11.pdf", trust_roots=[pki.cert_pem("root")])
    [sig] = report.signatures
    assert report.ok and sig.trusted and sig.level == "PAdES B-LTA"
    assert pdfsig_verdicts(tmp_path / "p11.pdf")[0] == "Signature is Valid."
    assert not (tmp_path / "data" / "keys").exists()  # no development key was made


def test_a_wrong_pin_is_one_clear_signing_error(token: Path, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="token PKCS#11"), open_signer(_settings(tmp_path, pkcs11_pin="0000")):
        pass


def test_an_unknown_key_label_is_one_clear_signing_error(token: Path, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="nope"), open_signer(_settings(tmp_path, pkcs11_key_label="nope")):
        pass
