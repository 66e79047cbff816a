"""``sohoa process`` starts OCR before opening the database (workers.early): same results, nothing left over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from samples.generator import generate_dossier
from sohoa.errors import SigningError
from sohoa.settings import Settings
from storage.db import session_scope
from storage.repository import load_pages
from storage.tables import DossierRow
from workers import lifecycle
from workers.context import Context, open_context
from workers.early import start_early
from workers.prefetch import Prefetch

pytestmark = pytest.mark.slow


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    return generate_dossier(tmp_path / "in", seed=5, kinds=("thong_bao", "don"), fmt="pdf", dpi=150)


def _leftovers(settings: Settings) -> list[str]:
    return [p.name for p in settings.data_dir.iterdir() if p.name.startswith("early-")]


def test_pages_started_early_give_the_dossier_its_pages_and_leave_no_scratch(tmp_path: Path, scan: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    early = start_early([scan], settings)
    assert early is not None
    with early:
        outcome = lifecycle.process_dossier([scan], settings, tmp_path / "out", prefetch=Prefetch(settings, early))
    assert [p["number"] for p in outcome.result["pages"]] == [1, 2]
    assert len(outcome.result["documents"]) == 2
    code = outcome.dossier_code
    stored = sorted(k.rsplit("/", 1)[1] for k in open_context(settings).store.iter_keys(f"dossiers/{code}/pages/"))
    assert stored == ["0001.grey.jpg", "0001.jpg", "0002.grey.jpg", "0002.jpg"]  # for reviewers, in both modes
    assert not (settings.data_dir / "work" / code).exists()  # the work folder went with the run
    assert _leftovers(settings) == []


def test_an_already_finished_dossier_stops_the_early_pages_at_once(tmp_path: Path, scan: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    lifecycle.process_dossier([scan], settings, tmp_path / "out")
    early = start_early([scan], settings)
    assert early is not None
    workers = list(early.pool._pool._processes)  # type: ignore[union-attr]
    with early:
        outcome = lifecycle.process_dossier([scan], settings, tmp_path / "again", prefetch=Prefetch(settings, early))
    assert outcome.already_seen
    assert _leftovers(settings) == []
    for pid in workers:  # killed, not left to finish pages nobody wants
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _saved_pages(ctx: Context) -> dict[int, dict[str, float]]:
    """Each saved page's stage timings: a page done again would have new ones."""
    with session_scope(ctx.engine) as s:
        [dossier] = s.scalars(select(DossierRow)).all()
        return {n: p.seconds for n, p in load_pages(s, dossier.id).items()}


def test_a_resumed_dossier_keeps_its_saved_pages_and_drops_the_early_copies(
    tmp_path: Path, scan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=2)

    def broken_sign(*args: object, **kwargs: object) -> None:
        raise SigningError("khóa ký không dùng được")

    monkeypatch.setattr("signing.sign.sign_pdf", broken_sign)
    with pytest.raises(SigningError):
        lifecycle.process_dossier([scan], settings, tmp_path / "out")
    monkeypatch.undo()
    ctx = open_context(settings)
    saved = _saved_pages(ctx)
    assert len(saved) == 2 and len(list(ctx.store.iter_keys("dossiers/"))) == 4  # two pages, two images each
    early = start_early([scan], settings)
    assert early is not None
    with early:
        outcome = lifecycle.process_dossier([scan], settings, tmp_path / "out", prefetch=Prefetch(settings, early))
    assert outcome.state in ("needs_review", "approved", "published")
    assert _saved_pages(ctx) == saved  # the saved pages were kept, not replaced by the early copies
    assert _leftovers(settings) == []
