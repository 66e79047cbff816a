"""A SoftHSM2 token made in a test's folder, holding the test PKI's signer1 (key, certificate and chain).

certomancer's Alchemist stores the bundle, as pyHanko's own CI does; sohoa then finds the key only through its
settings (SOHOA_SIGNER=pkcs11, module, token label, PIN, key label).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN, SO_PIN, LABEL = "1234", "5678", "sohoa-test"


def finalize_pkcs11() -> None:
    """Forget this process's initialised SoftHSM2 (python-pkcs11 keeps one per module, reading SOFTHSM2_CONF
    only when it initialises): the next user initialises it again with its own token folder."""
    import pkcs11

    lib = pkcs11.lib(str(MODULE))
    if lib.initialized:
        lib.finalize()


@contextmanager
def softhsm_token(folder: Path, pki: Any, *, finalize: bool = False) -> Iterator[Path]:
    """A fresh token under ``folder`` with SOFTHSM2_CONF pointing at it while the block runs (its config file
    is yielded). ``finalize``: the module is finalised before and after, so that two tokens of one test
    session never share a token folder."""
    from certomancer.integrations.alchemist import Alchemist, DefaultAlchemistBackend, open_pkcs11_session

    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    if finalize:
        finalize_pkcs11()
    try:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", SO_PIN],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        session = open_pkcs11_session(str(MODULE), token_label=LABEL, pin=PIN)
        try:
            Alchemist(DefaultAlchemistBackend(session), pki.arch).store_key_bundles({"signer1"}, include_chains=True)
        finally:
            session.close()
        yield conf
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old
        if finalize:
            finalize_pkcs11()
