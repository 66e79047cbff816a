"""Housekeeping of a machine's data folder: scratch files exist only while a process works on a dossier.

Page images, unsigned PDFs and fetched sources of a dossier sit in ``work/<code>/`` while it is processed;
everything that lasts is in the object store and the database. The process that finishes a dossier
removes its folder, but in the distributed mode page jobs of one dossier run on several machines, a
killed process leaves its folder behind, and a refused dossier's files must not stay anywhere. So every
queue worker's maintenance pass, and every embedded run at its start, removes:

- ``work/<code>/`` of each dossier no process works on now (finished, failed, rejected, or gone);
- scratch folders (``ingest-*``, ``early-*``, ``submit-*``, ``publish-*``) older than an hour, left by a
  process that was killed: a live one needs seconds.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from storage import repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from workers.context import Context

SCRATCH_PATTERNS = ("ingest-*", "early-*", "submit-*", "publish-*")
STALE_SCRATCH_S = 3600


def sweep(ctx: Context, *, now: float | None = None) -> list[str]:
    """Remove what no process needs any more (see the module docstring); the folders removed."""
    data = ctx.settings.data_dir
    removed: list[Path] = []
    work = data / "work"
    folders = [p for p in work.iterdir() if p.is_dir()] if work.is_dir() else []
    if folders:
        with session_scope(ctx.engine) as s:
            states = repository.dossier_states(s, [p.name for p in folders])
        removed += [p for p in folders if states.get(p.name) not in ACTIVE_STATES]
    cutoff = (now or time.time()) - STALE_SCRATCH_S
    for pattern in SCRATCH_PATTERNS:
        removed += [p for p in data.glob(pattern) if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return [str(p.relative_to(data)) for p in removed]
