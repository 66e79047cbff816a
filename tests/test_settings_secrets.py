"""Secrets at rest and in transit between processes, and which signing key is used where.

- The database and Redis URLs, the PKCS#12 password and the PKCS#11 PIN are ``SecretStr``: ``repr``/``str``
  of the settings and a pickled page context (what crosses to a page process) do not contain them.
- ``SOHOA_<NAME>_FILE`` reads each from a file (container secrets), one trailing newline stripped; a missing
  file, or both variables set, is one clear settings error (exit 2).
- The development key is used only when ``SOHOA_SIGNER=dev`` or in the embedded mode; otherwise signing,
  `sohoa process` and `sohoa worker` refuse with a ``SigningError`` that says what to configure.
"""

from __future__ import annotations

import pickle
import subprocess
from pathlib import Path

import pytest
from conftest import SOHOA

from pipeline.models import PageRef
from pipeline.page_job import PageContext
from signing.keys import open_signer, signer_kind
from sohoa.errors import SigningError
from sohoa.settings import SECRET_FIELDS, Settings, load_settings

SECRETS = {
    "database_url": "postgresql+psycopg://sohoa:db-s3cret-pw@db/sohoa",
    "redis_url": "redis://:redis-s3cret-pw@queue:6379/0",
    "signer_pkcs12_password": "p12-s3cret-pw",
    "pkcs11_pin": "pin-s3cret-4711",
    "s3_secret_key": "s3-s3cret-key",
}
MARKERS = ("db-s3cret-pw", "redis-s3cret-pw", "p12-s3cret-pw", "pin-s3cret-4711", "s3-s3cret-key")


def test_secrets_are_hidden_in_repr_and_str_of_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, signer="pkcs12", **SECRETS)  # type: ignore[arg-type]
    for text in (repr(settings), str(settings), f"{settings}", repr(settings.model_dump())):
        assert not any(marker in text for marker in MARKERS), text
    assert set(SECRETS) <= set(SECRET_FIELDS)
    assert settings.effective_database_url == SECRETS["database_url"]  # readers still get the value


def test_pickled_page_context_carries_no_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, signer="pkcs12", **SECRETS)  # type: ignore[arg-type]
    context = PageContext(PageRef(1, 0, tmp_path / "scan.pdf", "pdf", 0), "scan.pdf", tmp_path, settings)
    for data in (pickle.dumps(context), repr(context).encode()):
        assert not any(marker.encode() in data for marker in MARKERS)
    assert context.settings.ocr_lang == settings.ocr_lang and context.settings.max_dpi == settings.max_dpi


def test_secret_file_variants_read_the_secret_without_its_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        path = tmp_path / f"{name}.secret"
        path.write_text(value + "\n")
        monkeypatch.setenv(f"SOHOA_{name.upper()}_FILE", str(path))
        monkeypatch.delenv(f"SOHOA_{name.upper()}", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert {name: getattr(settings, name).get_secret_value() for name in SECRETS} == SECRETS


def test_missing_secret_file_is_one_clear_settings_error(tmp_path: Path, data_env: dict[str, str]) -> None:
    env = dict(data_env, SOHOA_PKCS11_PIN_FILE=str(tmp_path / "nowhere" / "pin"))
    done = subprocess.run([SOHOA, "check", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "SOHOA_PKCS11_PIN_FILE" in done.stderr and "nowhere" in done.stderr
    both = dict(data_env, SOHOA_PKCS11_PIN="1234", SOHOA_PKCS11_PIN_FILE=str(tmp_path / "pin"))
    (tmp_path / "pin").write_text("1234")
    done = subprocess.run([SOHOA, "check", str(tmp_path)], capture_output=True, text=True, env=both, timeout=60)
    assert done.returncode == 2 and "both set" in done.stderr


def test_development_key_is_not_used_silently_outside_the_embedded_mode(tmp_path: Path) -> None:
    for distributed in (
        {"database_url": "postgresql+psycopg://sohoa@db/sohoa"},
        {"redis_url": "redis://127.0.0.1:6379/0"},
        {"storage_url": "s3://records/hcm"},
    ):
        settings = Settings(data_dir=tmp_path, **distributed)  # type: ignore[arg-type]
        assert not settings.embedded
        with pytest.raises(SigningError) as exc, open_signer(settings):
            pass
        assert "SOHOA_SIGNER=dev" in exc.value.one_line()
        assert signer_kind(settings.model_copy(update={"signer": "dev"})) == "dev"
    assert not (tmp_path / "keys").exists()  # no development key was made
    embedded = Settings(data_dir=tmp_path, storage_url=(tmp_path / "objects").as_uri())
    assert embedded.embedded and signer_kind(embedded) == "dev"


def test_a_configured_pkcs11_module_is_chosen_without_sohoa_signer(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, pkcs11_module=tmp_path / "libtoken.so")
    assert signer_kind(settings) == "pkcs11"


def test_worker_refuses_to_start_without_a_key_unless_signer_is_dev(tmp_path: Path, data_env: dict[str, str]) -> None:
    env = dict(data_env, SOHOA_REDIS_URL="redis://127.0.0.1:9/0")  # nothing listens there: the key is checked first
    done = subprocess.run([SOHOA, "worker", "--burst"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "SOHOA_SIGNER=dev" in done.stderr and "Redis" not in done.stderr
    env["SOHOA_SIGNER"] = "dev"
    done = subprocess.run([SOHOA, "worker", "--burst"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "Redis" in done.stderr  # past the key check, stopped by the missing queue


def test_process_outside_the_embedded_mode_refuses_before_any_work(tmp_path: Path, data_env: dict[str, str]) -> None:
    db = tmp_path / "shared.db"
    env = dict(data_env, SOHOA_DATABASE_URL=f"sqlite:///{db}")
    scan = Path(__file__).parents[1] / "samples" / "dossiers" / "quyet-dinh" / "scan.pdf"
    done = subprocess.run(
        [SOHOA, "process", str(scan), "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "SOHOA_SIGNER" in done.stderr
    assert not db.exists() and not (tmp_path / "out").exists()
