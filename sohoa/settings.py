"""One settings object, read once from ``SOHOA_*`` environment variables and passed down.

Settings are plain, picklable data so a page's context can travel to a worker process or a
queue job without back-references. ``SOHOA_STORAGE_URL`` and ``SOHOA_DATABASE_URL`` override the
embedded defaults under ``SOHOA_DATA_DIR``.

Secrets (the database and Redis URLs, which may carry a password, the S3 secret key, the PKCS#12
password, the PKCS#11 PIN) are ``SecretStr``: ``repr``, ``str`` and logs show ``**********``, and code
reads them with ``.get_secret_value()`` where they are used. Each can also come from a file named by
``SOHOA_<NAME>_FILE`` (container secrets), and ``without_secrets`` gives the copy that travels with a
page to other processes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from sohoa.errors import SigningError

# The secrets a ``SOHOA_<NAME>_FILE`` variable may hold instead of ``SOHOA_<NAME>`` (Docker/Kubernetes
# secrets are files). One trailing newline is stripped, as editors and ``echo`` add one.
SECRET_FILE_FIELDS = (
    "database_url",
    "database_owner_url",
    "redis_url",
    "s3_secret_key",
    "signer_pkcs12_password",
    "pkcs11_pin",
    "admin_password",
    "oidc_client_secret",
)


def _default_data_dir() -> Path:
    """Per-user data folder (XDG), so the embedded mode needs no configuration at all."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sohoa"


class Settings(BaseSettings):
    """Everything that can be configured. Validated once at start-up."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", frozen=True, extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    storage_url: str | None = None
    database_url: SecretStr | None = None  # postgresql+psycopg://user:password@host/db: a secret
    redis_url: SecretStr | None = None  # redis://:password@host:6379/0
    agency_code: str = "000.00.20.H40"
    procedures_dir: Path | None = None  # the agency's own procedure files (*.json), beside the shipped catalogue
    holidays_file: Path | None = None  # the agency's own days off (JSON like pipeline/data/holidays.json), added
    agency_name: str = "UBND Phường Thử Nghiệm"

    # S3 object storage, used when storage_url is s3://bucket[/prefix] (storage/s3.py).
    s3_endpoint: str | None = None  # host:port, or http(s)://host:port (the scheme then decides s3_secure)
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = True
    s3_region: str | None = None  # None: asked of the server (one request per bucket)
    s3_part_size_mb: int = Field(default=16, ge=5, le=1024, description="single PUT up to this, multipart above")
    # Records law: WORM retention for signed results where the bucket has object lock; 0 days = off.
    s3_retention_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    s3_retention_days: int = Field(default=0, ge=0, le=36500)
    presign_expiry_s: int = Field(default=900, ge=1, le=7 * 24 * 3600, description="citizens' download links")

    # OCR
    ocr_lang: str = "vie+Vietnamese"  # both Debian models: fewer errors than `vie` alone (benchmarks/ocr.py)
    postcorrect: bool = True  # fix tone/vowel-mark slips where lexicon and vocabulary agree
    review_reread: bool = True  # read each field's region again with another model; disagreement -> review
    workers: int = Field(default=0, ge=0, description="page processes; 0 = one per core")
    tesseract_timeout_s: int = Field(default=180, ge=5)

    # Limits for hostile or mistaken input.
    max_input_bytes: int = Field(default=500 * 1024 * 1024, ge=1)
    max_pages: int = Field(default=300, ge=1)
    max_page_megapixels: float = Field(default=120.0, gt=0)
    max_dpi: int = Field(default=600, ge=72)
    min_dpi: int = Field(default=100, ge=50)
    # Page size in inches, each side, checked at ingest (a PDF page from its MediaBox, an image from its pixels
    # at the resolution sohoa reads it at). The floor is what the signature stamp needs: at its smallest
    # (162 x 38 pt) in 12 pt margins it fits a page 174 pt (2.42 in) wide, whichever way the page is turned
    # upright; below that signing failed after all the OCR. A6 (4.1 x 5.8 in) is far above it.
    min_page_side_in: float = Field(default=2.5, ge=2.42)
    # Larger than A0 (46.8 in). PDF pages only: an image's inches are only its dpi tag (a phone photo of 4032
    # pixels "at 72 dpi" is 56 in), and its pixels are bounded by max_page_megapixels already.
    max_page_side_in: float = Field(default=50.0, ge=12.0)

    # Output
    jpeg_quality: int = Field(default=80, ge=30, le=100)

    # Distributed mode (RQ workers on SOHOA_REDIS_URL). Short heartbeats so a killed worker's job is
    # re-run within a minute instead of RQ's ~13 (../shared/notes/reliability.md §1.2).
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    page_job_timeout_s: int = Field(default=600, ge=1)
    finish_job_timeout_s: int = Field(default=1800, ge=1)
    job_retries: int = Field(default=3, ge=0)
    retry_intervals_s: str = "10,60,300"  # backoff between attempts; "0" re-queues at once
    worker_ttl_s: int = Field(default=30, ge=16)
    job_monitoring_interval_s: int = Field(default=10, ge=1)
    heartbeat_grace_s: int = Field(default=20, ge=1)
    maintenance_interval_s: int = Field(default=15, ge=1)
    fork_jobs: bool = False  # a forked process per job (RQ's way) instead of the worker's own (workers/worker.py)
    reconcile_interval_s: int = Field(default=60, ge=1)

    # Signing (README "Signing"). The development key is made on first use under data_dir/keys and is
    # only for the embedded demo: ``signer="dev"`` picks it explicitly; unset, it is used only in the
    # embedded mode when no PKCS#12 file or PKCS#11 module is configured (``chosen_signer``).
    signer: Literal["dev", "pkcs12", "pkcs11"] | None = None  # None: see chosen_signer
    signer_pkcs12: Path | None = None
    signer_pkcs12_password: SecretStr | None = None
    signer_chain: Annotated[list[Path], NoDecode] = Field(
        default_factory=list
    )  # extra CA certificates to embed (PEM/DER)
    pkcs11_module: Path | None = None  # e.g. /usr/lib/softhsm/libsofthsm2.so
    pkcs11_token_label: str | None = None
    pkcs11_pin: SecretStr | None = None
    pkcs11_key_label: str | None = None
    pkcs11_cert_label: str | None = None  # defaults to the key label
    sign_level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = "B-LTA"  # falls back to B-T without revocation data
    sign_hash: Literal["sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"] = "sha256"
    sign_padding: Literal["pkcs1v15", "pss"] = "pkcs1v15"  # RSASSA-PSS once Vietnamese verifiers are checked
    tsa_url: str | None = None  # RFC 3161 time-stamping authority; needed from B-T up
    trust_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list
    )  # roots for signing-time checks and `sohoa verify`
    revinfo_fetch: bool = True  # `sohoa verify` fetches OCSP/CRL from the certificates' URLs (signing always does)
    stamp_visible: bool = True
    stamp_corner: Literal["top-left", "top-right"] = "top-left"  # Circular 01/2023 Art. 8 / 01/2019 (agency)
    net_timeout_s: int = Field(default=20, ge=1)  # TSA, OCSP and CRL requests
    publish_on_approval: bool = True  # `sohoa review approve` also publishes (approval signature, B-LTA)
    # sohoa approves a result by itself only when its reading is sound end to end (pipeline.approval_gate);
    # false: every result waits for a reviewer.
    auto_approve: bool = True
    min_page_confidence: float = Field(default=0.7, ge=0, le=1)  # mean OCR confidence under this: review

    # The web front end (`sohoa serve`, README "Web"). Approving needs the `approver` role unless this is off
    # (then a reviewer approves what they reviewed). No user yet: the first admin gets admin_password, or a
    # random one printed once.
    approval_needs_approver: bool = True
    admin_password: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    session_hours: float = Field(default=10.0, gt=0, le=24 * 30)
    login_attempts_per_minute: int = Field(default=10, ge=1)  # per client address and per account name
    lookups_per_minute: int = Field(default=30, ge=1)  # citizens' status lookups, per client address
    max_upload_mb: int = Field(default=200, ge=1)
    # Optional login through an agency's OpenID Connect provider (README "Web"): on when the issuer and the
    # client id are set. The provider proves who someone is; the local account of that name (the claim below)
    # holds their roles and agency, so an unknown or disabled name is refused.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_username_claim: str = "preferred_username"
    oidc_scopes: str = "openid profile email"
    oidc_timeout_s: float = Field(default=10.0, gt=0, le=120)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then ``SOHOA_*`` variables, then secrets from ``SOHOA_*_FILE`` files."""
        return (init_settings, env_settings, _SecretFiles(settings_cls), dotenv_settings, file_secret_settings)

    # The audit log against someone with database access (README "Security"). PostgreSQL: migrations run as
    # the owner role of ``database_owner_url``; the runtime role (``database_url``'s user, or
    # ``database_runtime_role``) gets SELECT/INSERT only on the append-only tables. Unset: migrations run as
    # the runtime role, as before, and nothing stops it from dropping the triggers.
    database_owner_url: SecretStr | None = None
    database_runtime_role: str | None = None
    # Keyed hashes of values in audit payloads (HMAC-SHA256): a secret kept outside the database, so a
    # 12-digit personal ID cannot be found again from its hash. Default: keys/audit-hmac.key, made on first use.
    audit_key_file: Path | None = None
    # Seals: the chain's head signed with the agency key once this many entries, or this many seconds after
    # the oldest unsealed entry, wait unsealed (0 turns a rule off); `sohoa audit seal` seals on demand.
    audit_seal_every: int = Field(default=1000, ge=0)
    audit_seal_interval_s: int = Field(default=3600, ge=0)

    @field_validator("signer_chain", "trust_roots", mode="before")
    @classmethod
    def _path_list(cls, value: object) -> object:
        """``a.pem:b.pem`` (like PATH) as well as a JSON list, so one environment variable holds several."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part for part in text.split(os.pathsep) if part]
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _expand(cls, value: object) -> object:
        return Path(str(value)).expanduser() if value not in (None, "") else _default_data_dir()

    @property
    def effective_storage_url(self) -> str:
        """Object-store URL: explicit setting, else a folder under the data dir."""
        return self.storage_url or (self.data_dir / "objects").resolve().as_uri()

    @property
    def effective_database_url(self) -> str:
        """Database URL (a secret: never print it): explicit setting, else SQLite under the data dir."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'sohoa.db').resolve()}"

    @property
    def embedded(self) -> bool:
        """The embedded mode, defined here and nowhere else: no database, Redis or object store configured
        beyond the local defaults (SQLite and a folder under the data dir, or another local folder)."""
        storage_is_folder = self.storage_url is None or self.storage_url.startswith("file:")
        return self.database_url is None and self.redis_url is None and storage_is_folder

    def chosen_signer(self) -> Literal["dev", "pkcs12", "pkcs11"]:
        """Which signer signs: ``SOHOA_SIGNER``; else PKCS#12 if a file is set, PKCS#11 if a module is set;
        else the development key, but only in the embedded mode (``embedded``).

        Anywhere else a missing key is an administrator's omission, and a silent development key would put
        "no legal value" signatures on a real office's results: ``SigningError`` says what to set.
        """
        if self.signer is not None:
            return self.signer
        if self.signer_pkcs12 is not None:
            return "pkcs12"
        if self.pkcs11_module is not None:
            return "pkcs11"
        if self.embedded:
            return "dev"
        raise SigningError(
            "chưa cấu hình khóa ký của cơ quan (chế độ phân tán không tự dùng khóa thử nghiệm)",
            hint="đặt SOHOA_SIGNER_PKCS12 hoặc SOHOA_SIGNER=pkcs11, hoặc SOHOA_SIGNER=dev để thử nghiệm",
        )

    def without_secrets(self) -> Settings:
        """A copy with every secret removed: what travels with a page to another process (it is pickled, and
        a pickled ``SecretStr`` holds its value in clear). Page work needs none of them."""
        return self.model_copy(update={name: None for name in SECRET_FIELDS})

    @property
    def retry_intervals(self) -> list[int]:
        """``retry_intervals_s`` as seconds: one per retry, the last one repeated by RQ."""
        try:
            values = [int(v) for v in self.retry_intervals_s.split(",") if v.strip()]
        except ValueError as exc:
            raise ValueError(f"SOHOA_RETRY_INTERVALS_S must be integers separated by commas: {exc}") from exc
        return values or [0]

    @property
    def audit_key_path(self) -> Path:
        """The audit log's HMAC key: ``audit_key_file``, else a file under the keys folder."""
        return self.audit_key_file or self.keys_dir / "audit-hmac.key"

    @property
    def keys_dir(self) -> Path:
        """Where the development signing key and certificate live."""
        return self.data_dir / "keys"

    @property
    def page_workers(self) -> int:
        """Number of page processes: the setting, or one per core."""
        return self.workers or (os.cpu_count() or 1)


SECRET_FIELDS = tuple(name for name, info in Settings.model_fields.items() if "SecretStr" in str(info.annotation))


class _SecretFiles(PydanticBaseSettingsSource):
    """``SOHOA_<NAME>_FILE``: the secret ``<NAME>`` read from a file (a container secret), never both."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # values come from __call__, all at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in SECRET_FILE_FIELDS:
            variable = f"SOHOA_{name.upper()}"
            path = os.environ.get(f"{variable}_FILE")
            if not path:
                continue
            if os.environ.get(variable):
                raise SettingsError(f"{variable} and {variable}_FILE are both set: keep one")
            values[name] = read_secret_file(f"{variable}_FILE", Path(path))
        return values


def read_secret_file(variable: str, path: Path) -> str:
    """The secret in ``path`` without one trailing newline; a missing, unreadable or empty file is an error
    naming the variable and the file (never the content)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SettingsError(f"{variable}: cannot read {path}: {reason}") from None
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise SettingsError(f"{variable}: {path} is empty")
    return text


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; keyword overrides win (for tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
