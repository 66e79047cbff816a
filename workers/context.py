"""What every stage needs: settings, the object store and the database, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from sohoa.settings import Settings
from storage.audit_digest import AuditKey, load_audit_key
from storage.db import make_engine, migrate_for
from storage.objects import ObjectStore, open_object_store
from storage.private_files import private_dir


@dataclass
class Context:
    """Handles shared by the stages of one process.

    ``store`` may be given as ``None``: it is then opened on first use, so what needs only the database
    (marking a dossier failed because the S3 server is down, the reconciler) does not need the server.
    """

    settings: Settings
    _store: ObjectStore | None
    engine: Engine
    _audit_key: AuditKey | None = None

    @property
    def store(self) -> ObjectStore:
        if self._store is None:
            self._store = open_object_store(self.settings.effective_storage_url, self.settings)
        return self._store

    @property
    def audit_key(self) -> AuditKey:
        """The HMAC key of the audit log's digests (``storage.audit_digest``), read (or made) on first use."""
        if self._audit_key is None:
            self._audit_key = load_audit_key(self.settings.audit_key_path)
        assert self._audit_key is not None
        return self._audit_key


def open_context(settings: Settings) -> Context:
    """Open the store and the database (migrated to the current schema) named by the settings."""
    private_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    migrate_for(settings, engine)
    return Context(settings, open_object_store(settings.effective_storage_url, settings), engine)
