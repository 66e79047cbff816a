"""A dossier that fails mid-way is left `failed` with its stage and reason, and resumes without redoing pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.defects import DefectSpec
from samples.generator import generate_dossier
from sohoa.errors import SigningError
from sohoa.settings import Settings
from storage import repository
from storage.db import session_scope
from workers import lifecycle, stages
from workers.context import open_context

pytestmark = pytest.mark.slow


def test_failed_sign_stage_is_recorded_and_the_rerun_reuses_finished_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = generate_dossier(
        tmp_path / "in", seed=3, kinds=("thong_bao", "don"), fmt="tiff", dpi=150, defects=DefectSpec(skew=1.0)
    )
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    out = tmp_path / "out"

    def broken_sign(*args: object, **kwargs: object) -> None:
        raise SigningError("khóa ký không dùng được")

    monkeypatch.setattr("signing.sign.sign_pdf", broken_sign)
    with pytest.raises(SigningError):
        lifecycle.process_dossier([scan], settings, out)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written

    ctx = open_context(settings)
    code = _only_dossier_code(ctx)
    with session_scope(ctx.engine) as s:
        dossier = repository.get_dossier(s, code)
        assert dossier is not None and dossier.state == "failed"
        assert dossier.failed_stage == "sign" and "khóa ký" in (dossier.reason or "")
        assert sorted(repository.load_pages(s, dossier.id)) == [1, 2]
        runs = repository.load_stage_runs(s, dossier.id)
        assert runs["ocr"].state == "done" and runs["sign"].state == "failed"

    monkeypatch.undo()
    seen: list[int] = []
    real_run_pages = stages.run_pages

    def counting_run_pages(contexts, workers, **kw):  # type: ignore[no-untyped-def]
        seen.extend(c.ref.number for c in contexts)
        return real_run_pages(contexts, workers, **kw)

    monkeypatch.setattr(stages, "run_pages", counting_run_pages)
    outcome = lifecycle.process_dossier([scan], settings, out)
    assert outcome.dossier_code == code and not outcome.already_seen
    assert seen == []  # both pages came from the database, not from a second OCR
    assert outcome.state in ("needs_review", "approved")
    # the two generated documents (a notice and an application) are split into one signed PDF each
    assert {p.name for p in out.iterdir()} == {f"{code}-01.pdf", f"{code}-02.pdf", f"{code}.json"}


def _only_dossier_code(ctx) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.tables import DossierRow

    with session_scope(ctx.engine) as s:
        (code,) = s.scalars(select(DossierRow.code)).all()
        return code
