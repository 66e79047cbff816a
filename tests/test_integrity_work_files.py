"""Issue 11, item 7 (files at rest, the lifecycle side): ``work/<code>/`` exists only while a process works
on the dossier, and scratch folders of killed processes do not pile up. Page images live in the object
store in both modes, so nothing a reviewer or a resumed run needs is lost with the work folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from samples.generator import generate_dossier
from sohoa.errors import SigningError
from sohoa.settings import Settings
from storage.db import session_scope
from storage.repository import load_page_image_keys
from storage.tables import DossierRow
from workers import housekeeping, lifecycle
from workers.context import open_context


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scan")
    return generate_dossier(folder, seed=3, kinds=("thong_bao",), fmt="pdf", dpi=150, defects="clean")


@pytest.mark.slow
def test_the_work_folder_goes_when_a_dossier_fails_and_when_it_finishes(
    tmp_path: Path, scan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=1)

    def broken_sign(*args: object, **kwargs: object) -> None:
        raise SigningError("khóa ký không dùng được")

    monkeypatch.setattr("signing.sign.sign_pdf", broken_sign)
    with pytest.raises(SigningError):
        lifecycle.process_dossier([scan], settings, tmp_path / "out")
    monkeypatch.undo()
    assert list((settings.data_dir / "work").iterdir()) == []
    ctx = open_context(settings)
    with session_scope(ctx.engine) as s:
        [dossier] = s.query(DossierRow).all()
        assert dossier.state == "failed"
        assert all(load_page_image_keys(s, dossier.id).values())  # the pages are stored, not only local

    outcome = lifecycle.process_dossier([scan], settings, tmp_path / "out")  # resumes from the stored pages
    assert outcome.state in ("needs_review", "approved", "published")
    assert list((settings.data_dir / "work").iterdir()) == []
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(housekeeping.SCRATCH_PATTERNS[0][:6])]


def test_housekeeping_removes_what_no_process_needs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    ctx = open_context(settings)
    from seed_results import decision_fields, seed_dossier

    done, _ = seed_dossier(ctx.engine, "done", [decision_fields()], state="needs_review")
    running, _ = seed_dossier(ctx.engine, "running", [decision_fields()], state="processing")
    work = settings.data_dir / "work"
    for name in (done, running, "000.00.20.H40-261128-9999"):  # the last: a dossier the database lost
        (work / name / "pages").mkdir(parents=True)
        (work / name / "pages" / "0001.jpg").write_bytes(b"jpeg")
    old, fresh = settings.data_dir / "ingest-killed", settings.data_dir / "early-live"
    for folder in (old, fresh):
        folder.mkdir()
    hour_ago = time.time() - 2 * housekeeping.STALE_SCRATCH_S
    os.utime(old, (hour_ago, hour_ago))

    removed = housekeeping.sweep(ctx)

    assert sorted(removed) == sorted([f"work/{done}", "work/000.00.20.H40-261128-9999", "ingest-killed"])
    assert (work / running / "pages" / "0001.jpg").is_file() and fresh.is_dir()
