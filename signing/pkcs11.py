"""A signer whose key stays on a PKCS#11 token or HSM (tested with SoftHSM2).

The key never leaves the device: pyHanko's ``PKCS11Signer`` asks the token to sign the digest. The
certificate is read from the token by label (the key's label unless ``SOHOA_PKCS11_CERT_LABEL`` says
otherwise); chain certificates come from the token too when present, else from ``SOHOA_SIGNER_CHAIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pkcs11
from pkcs11 import PKCS11Error
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, find_token, open_pkcs11_session

from sohoa.errors import SigningError
from sohoa.settings import Settings

__all__ = ["pkcs11_signer"]


@contextmanager
def pkcs11_signer(settings: Settings) -> Iterator[PKCS11Signer]:
    """Open a session on the configured token, yield its signer, and close the session afterwards."""
    module, label, key_label = settings.pkcs11_module, settings.pkcs11_token_label, settings.pkcs11_key_label
    if module is None or not key_label:
        raise SigningError(
            "SOHOA_SIGNER=pkcs11 cần SOHOA_PKCS11_MODULE và SOHOA_PKCS11_KEY_LABEL",
            hint="ví dụ SOHOA_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so",
        )
    if not module.is_file():
        raise SigningError(f"Không tìm thấy thư viện PKCS#11 {module}", hint="cài trình điều khiển token/HSM")
    pin = settings.pkcs11_pin.get_secret_value() if settings.pkcs11_pin is not None else None
    criteria = TokenCriteria(label=label) if label else None
    try:
        present = token_present(str(module), criteria)
    except (PKCS11Error, OSError, RuntimeError):
        present = True  # the module itself fails: reported below with the error it gives
    if not present:
        raise SigningError(
            f"Không thấy token PKCS#11 {label or ''} trên máy này: token đã được cắm vào chưa?".replace("  ", " "),
            hint="cắm token vào máy chạy sohoa worker rồi chạy lại: sohoa retry <mã hồ sơ>",
        )
    try:
        session = open_pkcs11_session(str(module), token_criteria=criteria, user_pin=pin)
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise SigningError(
            f"Không mở được token PKCS#11 {label or ''}: {type(exc).__name__} {exc}".strip(),
            hint="kiểm tra SOHOA_PKCS11_TOKEN_LABEL và SOHOA_PKCS11_PIN",
        ) from exc
    try:
        try:
            chain = list(load_certs_from_pemder([str(p) for p in settings.signer_chain]))
            signer = PKCS11Signer(
                session,
                cert_label=settings.pkcs11_cert_label or key_label,
                key_label=key_label,
                ca_chain=chain or None,
                other_certs_to_pull=() if chain else None,  # no chain configured: take the token's certificates
                prefer_pss=settings.sign_padding == "pss",
            )
            cert = signer.signing_cert  # fetched lazily: a wrong label fails here, not mid-signature
        except (PKCS11Error, PyHankoSigningError, OSError, ValueError) as exc:
            raise SigningError(
                f"Không dùng được khóa {key_label} trên token: {type(exc).__name__} {exc}".strip(),
                hint="kiểm tra SOHOA_PKCS11_KEY_LABEL / SOHOA_PKCS11_CERT_LABEL",
            ) from exc
        if cert is None:
            raise SigningError(f"Token không có chứng thư cho khóa {key_label}")
        yield signer
    finally:
        session.close()


def token_present(module: str, criteria: TokenCriteria | None) -> bool:
    """Whether the token is in a slot, initialising the module again when it is not: a long-running worker
    whose token was unplugged and plugged back otherwise never sees it again (SoftHSM2 keeps the slot list it
    read first, so every later signature failed until a restart). Only the lookup is repeated, never the
    PIN login, which would spend the token's PIN attempts."""
    lib = pkcs11.lib(module)
    try:
        if find_token(lib.get_slots(), token_criteria=criteria) is not None:
            return True
    except PKCS11Error:
        pass
    lib.reinitialize()
    return find_token(lib.get_slots(), token_criteria=criteria) is not None
