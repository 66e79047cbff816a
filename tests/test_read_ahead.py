"""Work ahead: a complete document is read again while later pages run, and the fan-in takes that reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import second_reading
from pipeline.documents import split_pages
from pipeline.extract import extract_document
from pipeline.ingest import ingest
from pipeline.layout import page_lines
from pipeline.page_job import PageContext, process_page
from pipeline.pages import page_refs
from samples.generator import generate_dossier
from sohoa.settings import Settings
from workers.read_ahead import ReadAhead

pytestmark = pytest.mark.slow


def test_documents_are_read_ahead_and_the_fan_in_reads_nothing_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = generate_dossier(tmp_path / "in", seed=11, kinds=("thong_bao", "don"), fmt="pdf", dpi=200)
    settings = Settings(data_dir=tmp_path / "data")
    sources = ingest([scan], settings, tmp_path / "w")
    pages = [process_page(PageContext(ref, scan.name, tmp_path / "work", settings)) for ref in page_refs(sources)]

    with ReadAhead(total_pages=2) as ahead:
        ahead.page_done(pages[0])
        assert ahead.readings() == {}  # page 1's document may still grow
        ahead.page_done(pages[1])  # page 2 starts another document, and it is the last page
        known = ahead.readings()
    assert sorted(known) == [1, 2]

    documents = [
        extract_document(i, [ln for n in group for ln in page_lines(pages[n - 1])], group)
        for i, group in enumerate(split_pages(pages), start=1)
    ]
    read_again: list[int] = []
    real = second_reading.read_page_regions

    def counting(page, boxes, **kw):  # type: ignore[no-untyped-def]
        read_again.append(page.number)
        return real(page, boxes, **kw)

    monkeypatch.setattr(second_reading, "read_page_regions", counting)
    with_known = second_reading.second_reading(documents, pages, known=known)
    assert read_again == []  # every region needed had been read ahead, with exactly these boxes
    fresh = [
        extract_document(i, [ln for n in group for ln in page_lines(pages[n - 1])], group)
        for i, group in enumerate(split_pages(pages), start=1)
    ]
    assert second_reading.second_reading(fresh, pages) == with_known  # the same verdicts as reading now
    assert sorted(read_again) == [1, 2]
