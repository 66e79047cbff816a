"""Page results: saved as each page finishes, so a resumed dossier skips finished pages."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.models import PageResult
from storage.keys import validate_key
from storage.repository._upsert import upsert
from storage.tables import PageRow, utcnow


def save_page(session: Session, dossier_id: int, page: PageResult, *, image_key: str | None = None) -> None:
    """Insert or replace page ``page.number`` of the dossier (one row per page, ever).

    ``image_key`` is the stored page image (``storage.keys.page_image_key``); leaving it out keeps
    the one already recorded. Page workers may call this concurrently, each in its own session.
    """
    if image_key is not None:
        validate_key(image_key)
    now = utcnow()
    stmt = upsert(
        session,
        PageRow,
        {
            "dossier_id": dossier_id,
            "number": page.number,
            "result": page.to_json(),
            "image_key": image_key,
            "created_at": now,
            "updated_at": now,
        },
        conflict=["dossier_id", "number"],
        take=("result", "updated_at"),
        keep_if_null=("image_key",),
    )
    session.execute(stmt)


def load_pages(session: Session, dossier_id: int) -> dict[int, PageResult]:
    """The saved pages of the dossier, by page number."""
    rows = session.scalars(select(PageRow).where(PageRow.dossier_id == dossier_id).order_by(PageRow.number))
    return {row.number: PageResult.from_json(row.result) for row in rows}


def load_page_image_keys(session: Session, dossier_id: int) -> dict[int, str | None]:
    """Page number → object key of its page image (for a worker that lacks the local file)."""
    rows = session.execute(select(PageRow.number, PageRow.image_key).where(PageRow.dossier_id == dossier_id))
    return {number: key for number, key in rows}


def page_image_keys_of(session: Session, dossier_ids: Iterable[int]) -> dict[tuple[int, int], str | None]:
    """(dossier id, page number) -> object key of its page image, for several dossiers at once."""
    wanted = list(set(dossier_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(PageRow.dossier_id, PageRow.number, PageRow.image_key).where(PageRow.dossier_id.in_(wanted))
    )
    return {(d, n): key for d, n, key in rows}
