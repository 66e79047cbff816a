"""`sohoa process` on bad input: exit 2, one clear line on stderr naming the file, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from tests.conftest import SOHOA


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, *args], capture_output=True, text=True, env=env, timeout=120)


def _empty(tmp: Path) -> Path:
    (tmp / "empty.pdf").write_bytes(b"")
    return tmp / "empty.pdf"


def _text(tmp: Path) -> Path:
    (tmp / "note.jpg").write_text("xin chào")
    return tmp / "note.jpg"


def _broken(tmp: Path) -> Path:
    (tmp / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n" + b"\x00\xff" * 500)
    return tmp / "broken.pdf"


def _locked(tmp: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp / "locked.pdf", encryption=pikepdf.Encryption(user="123", owner="456"))
    return tmp / "locked.pdf"


def _huge(tmp: Path) -> Path:
    Image.new("1", (12000, 12000), 1).save(tmp / "huge.png")  # 144 Mpx > the 120 Mpx default
    return tmp / "huge.png"


def _long(tmp: Path) -> Path:
    pdf = pikepdf.new()
    for _ in range(4):
        pdf.add_blank_page()
    pdf.save(tmp / "long.pdf")
    return tmp / "long.pdf"


@pytest.mark.parametrize(
    "make,words",
    [
        (_empty, "rỗng"),
        (_text, "không phải"),
        (_broken, "hỏng"),
        (_locked, "mật khẩu"),
        (_huge, "quá lớn"),
        (_long, "vượt giới hạn"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path,
    data_env: dict[str, str],
    make,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    bad = make(tmp_path)
    out = tmp_path / "out"
    env = dict(data_env, SOHOA_MAX_PAGES="3")
    proc = _run(["process", str(bad), "--out", str(out)], env)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert bad.name in lines[0] and words in lines[0]
    assert not out.exists() or not any(out.iterdir())
    assert proc.stdout == ""


def test_missing_file_is_bad_input(tmp_path: Path, data_env: dict[str, str]) -> None:
    proc = _run(["process", str(tmp_path / "nope.pdf"), "--out", str(tmp_path / "out")], data_env)
    assert proc.returncode == 2 and "nope.pdf" in proc.stderr


def test_help_explains_the_commands(data_env: dict[str, str]) -> None:
    proc = _run(["--help"], data_env)
    assert proc.returncode == 0
    for word in ("process", "verify", "samples"):
        assert word in proc.stdout
