"""Refusing a dossier that holds a document marked secret (MẬT, TỐI MẬT, TUYỆT MẬT): nothing of it is kept.

The digitization rules forbid digitizing secret documents, and the law on state secrets keeps them off
ordinary systems, so a refusal is not a state the dossier stays in: everything sohoa kept of it goes
(stored original, page images, OCR text in the page rows, documents, stage rows, work files) and only a
tombstone per input stays (sha256, time, reason), so the same file handed in again is refused at once.

The order makes it safe against crashes and against queue workers still saving pages of the dossier:

1. one transaction: the tombstones, the dossier ``rejected`` (page jobs stop: it is no longer active),
   and ``dossier.refused`` in the audit log (a reason code, never content);
2. the dossier's objects and its originals are erased (every version, on a versioned bucket);
3. the dossier's rows are deleted (pages, documents, fields and stage rows go with them);
4. the objects are erased again: a page job that stored its images between 2 and 3 finds the dossier gone
   and erases its own (``stages.save_page``), or this sweep does;
5. the work folder is removed.

If the process dies in between, the refusal is completed later: by ``finish_refusals`` (every reconcile
pass of the queue workers) or when the same input is handed in again (``check_not_refused``).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Sequence

from pipeline.models import Source
from sohoa.errors import SecretDocument
from storage import keys, repository
from storage.db import session_scope
from workers.context import Context

log = logging.getLogger("sohoa.refusal")
REFUSED_ACTION = "dossier.refused"


def check_not_refused(ctx: Context, sources: Sequence[Source], inputs_key: str | None = None) -> None:
    """Raise ``SecretDocument`` when an input was refused before: it is not stored again. A dossier of these
    inputs that a crash left half purged (``inputs_key``) is purged to the end first."""
    shas = [s.sha256 for s in sources]
    with session_scope(ctx.engine) as s:
        refused = repository.refused_among(s, shas)
        if not refused:
            return
        sha = next(x for x in shas if x in refused)
        reason = repository.refusal_reason(s, sha) or ""
        left = repository.find_dossier_by_inputs(s, inputs_key) if inputs_key else None
        left_code = left.code if left is not None else None
    if left_code is not None:
        purge(ctx, left_code)
    name = next(src.filename for src in sources if src.sha256 == sha)
    raise SecretDocument(f"tệp này đã bị từ chối trước đây: {reason}", file=name)


def refuse(ctx: Context, code: str, exc: SecretDocument) -> None:
    """Refuse dossier ``code`` for ``exc`` and purge everything kept of it (see the module docstring)."""
    with session_scope(ctx.engine) as s:
        repository.lock_audit_log(s)
        row = repository.get_dossier(s, code)
        if row is None:
            return  # refused and purged already (another page job got there first)
        shas = [src.sha256 for src in row.sources]
        repository.record_refusal(s, shas, reason_code=exc.code, reason=exc.message)
        if row.state != "rejected":
            repository.set_state(s, row, "rejected", reason=exc.one_line())
        repository.append_audit(
            s,
            actor=repository.SYSTEM_ACTOR,
            action=REFUSED_ACTION,
            subject=code,
            payload={"reason": exc.code, "sources": len(shas)},
        )
    purge(ctx, code)
    log.info("dossier refused and purged: %s", exc.code)  # the job boundary logs the refusal itself


def purge(ctx: Context, code: str) -> None:
    """Steps 2-5 of the module docstring for a dossier already refused; safe to run again."""
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        if row is None:
            originals: list[str] = []
        else:
            originals = [
                keys.original_key(src.sha256)
                for src in row.sources
                if not repository.other_dossiers_holding(s, src.sha256, row.id)
            ]
    _erase_objects(ctx, code, originals)
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        if row is not None:
            repository.delete_dossier(s, row.id)
    _erase_objects(ctx, code, originals)
    shutil.rmtree(ctx.settings.data_dir / "work" / code, ignore_errors=True)


def _erase_objects(ctx: Context, code: str, extra: Iterable[str]) -> None:
    for key in [*ctx.store.iter_keys(keys.dossier_prefix(code)), *extra]:
        ctx.store.erase(key)


def finish_refusals(ctx: Context) -> list[str]:
    """Complete refusals a crash interrupted (rejected dossiers holding a tombstoned input); their codes."""
    done = []
    with session_scope(ctx.engine) as s:
        pending = repository.refused_dossiers(s)
    for code in pending:
        purge(ctx, code)
        done.append(code)
    return done
