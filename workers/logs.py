"""Structured logs: one JSON object per line, with the dossier code on every line about a dossier.

Why stdlib logging and a context variable: RQ, SQLAlchemy and our code all log through ``logging``, so
one formatter on the root logger covers them; the dossier code is set once around a job (in the worker
and in its forked job process) and every line logged meanwhile carries it, RQ's own lines included.
Lines not about one dossier (worker start, maintenance) have ``"dossier": null``. Messages hold codes,
counts and stage names only, never personal data.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

# A dossier code (``<agency>-<YYMMDD>-<seq>``) in a message: RQ's line announcing a job, logged before the
# job's scope opens, names it in the job's description.
_CODE = re.compile(r"\b([A-Za-z0-9][A-Za-z0-9.]{0,31}-\d{6}-\d{4,})\b")
_dossier: contextvars.ContextVar[str | None] = contextvars.ContextVar("sohoa_dossier", default=None)


@contextmanager
def dossier_scope(code: str | None) -> Iterator[None]:
    """Every log line inside carries ``code``."""
    token = _dossier.set(code)
    try:
        yield
    finally:
        _dossier.reset(token)


def current_dossier() -> str | None:
    """The dossier code the current log lines are about, if any."""
    return _dossier.get()


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "pid", "dossier", "msg"}`` (+ ``exc`` with a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": os.getpid(),
            "dossier": _dossier.get(),
            "msg": record.getMessage(),
        }
        if entry["dossier"] is None and (found := _CODE.search(entry["msg"])):
            entry["dossier"] = found.group(1)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_json_logging(level: int = logging.INFO) -> None:
    """Send every logger's lines to stderr as JSON (replaces other handlers of the root logger)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("rq", "rq.worker", "rq.scheduler", "rq.job"):  # RQ installs its own handlers: route through root
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.ERROR)
