"""A symbolic link inside an input folder that points outside it is refused, naming the link; loops do not hang.

A link named directly as an argument is fine: the user named it. Links to files inside the folder are read
like the files themselves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SOHOA
from PIL import Image
from test_ingest_page_size import dossiers_stored, stored_objects

from pipeline.ingest import ingest
from sohoa.errors import UnsafeLink
from sohoa.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def scan(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (300, 400), "white").save(path)
    return path


def test_symlink_in_an_input_folder_pointing_outside_is_refused(tmp_path: Path, settings: Settings) -> None:
    elsewhere = scan(tmp_path / "other-citizen" / "cccd.png")
    desk = tmp_path / "desk"
    scan(desk / "a.png")
    (desk / "b.png").symlink_to(elsewhere)
    with pytest.raises(UnsafeLink) as exc:
        ingest([desk], settings, tmp_path / "w")
    assert "b.png" in exc.value.one_line() and "ngoài thư mục" in exc.value.one_line()


def test_linked_folder_pointing_outside_is_refused(tmp_path: Path, settings: Settings) -> None:
    scan(tmp_path / "etc" / "x.png")
    desk = tmp_path / "desk"
    scan(desk / "a.png")
    (desk / "more").symlink_to(tmp_path / "etc", target_is_directory=True)
    with pytest.raises(UnsafeLink) as exc:
        ingest([desk], settings, tmp_path / "w")
    assert "more" in exc.value.one_line()


def test_symlink_loop_in_an_input_folder_is_refused_without_hanging(tmp_path: Path, settings: Settings) -> None:
    desk = tmp_path / "desk"
    scan(desk / "a.png")
    (desk / "x.pdf").symlink_to(desk / "y.pdf")
    (desk / "y.pdf").symlink_to(desk / "x.pdf")
    (desk / "sub").mkdir()
    (desk / "sub" / "up").symlink_to(desk, target_is_directory=True)  # a folder loop: never entered
    with pytest.raises(UnsafeLink) as exc:
        ingest([desk], settings, tmp_path / "w")
    assert "x.pdf" in exc.value.one_line() or "y.pdf" in exc.value.one_line()


def test_links_inside_the_folder_and_links_named_as_arguments_are_read(tmp_path: Path, settings: Settings) -> None:
    desk = tmp_path / "desk"
    scan(desk / "a.png")
    (desk / "sub").mkdir()
    (desk / "sub" / "again.png").symlink_to(desk / "a.png")
    (desk / "sub" / "up").symlink_to(desk, target_is_directory=True)
    named = tmp_path / "named.png"
    named.symlink_to(scan(tmp_path / "elsewhere" / "c.png"))
    linked_desk = tmp_path / "desk-link"
    linked_desk.symlink_to(desk, target_is_directory=True)
    sources = ingest([linked_desk, named], settings, tmp_path / "w")
    assert [s.filename for s in sources] == ["a.png", "again.png", "named.png"]


def test_process_refuses_a_folder_with_an_outside_link_and_stores_nothing(
    tmp_path: Path, data_env: dict[str, str]
) -> None:
    desk = tmp_path / "desk"
    scan(desk / "a.png")
    (desk / "b.png").symlink_to(scan(tmp_path / "other-citizen" / "cccd.png"))
    done = subprocess.run(
        [SOHOA, "process", str(desk), "--out", str(tmp_path / "out")], capture_output=True, text=True, env=data_env
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "b.png" in done.stderr
    data = Path(data_env["SOHOA_DATA_DIR"])
    assert dossiers_stored(data) == 0 and stored_objects(data) == []
