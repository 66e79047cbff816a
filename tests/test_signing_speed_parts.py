"""The two pieces that make signing cheap: the cut stamp font and the signer that parses its key once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from test_signing_sign_verify import make_pdf

from signing.fonts import stamp_font_bytes
from signing.keys import KeptKeySigner, signer_from_settings
from signing.sign import STAMP_FONT, sign_pdf
from signing.verify import verify_pdf
from sohoa.settings import load_settings

VIETNAMESE = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ0123456789–·₫№"


def test_cut_font_has_every_vietnamese_letter_and_is_small() -> None:
    data = stamp_font_bytes(str(STAMP_FONT))
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    missing = [c for c in VIETNAMESE + VIETNAMESE.upper() if ord(c) not in cmap]
    assert missing == []
    assert len(data) < STAMP_FONT.stat().st_size / 3


@pytest.mark.parametrize("padding", ["pkcs1v15", "pss"])
def test_kept_key_signer_signs_valid_pdfs_and_parses_the_key_once(tmp_path: Path, padding: str) -> None:
    sample_pdf = tmp_path / "in.pdf"
    make_pdf(sample_pdf)
    settings = load_settings(data_dir=tmp_path / "data", sign_padding=padding)
    signer = signer_from_settings(settings)
    assert isinstance(signer, KeptKeySigner)
    first = sign_pdf(sample_pdf, tmp_path / "a.pdf", signer=signer, stamp_box=(20, 20, 250, 70))
    kept = signer._kept
    assert kept is not None
    sign_pdf(sample_pdf, tmp_path / "b.pdf", signer=signer, stamp_box=(20, 20, 250, 70))
    assert signer._kept is kept
    assert first.padding == padding
    for name in ("a.pdf", "b.pdf"):
        (sig,) = verify_pdf(tmp_path / name, trust_roots=[settings.keys_dir / "dev-signer" / "root.pem"])
        assert sig.intact and sig.valid


def test_cut_font_is_kept_in_the_cache_folder_and_a_bad_copy_is_cut_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stamp_font_bytes.cache_clear()
    first = stamp_font_bytes(str(STAMP_FONT))
    (kept,) = (tmp_path / "cache" / "sohoa").glob("stamp-font-*.ttf")
    assert kept.read_bytes() == first
    kept.write_bytes(b"not a font")  # a damaged cache is ignored and replaced
    stamp_font_bytes.cache_clear()
    assert stamp_font_bytes(str(STAMP_FONT)) == first
    assert kept.read_bytes() == first
    stamp_font_bytes.cache_clear()


def test_cut_font_works_without_a_writable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder would go
    stamp_font_bytes.cache_clear()
    assert TTFont(io.BytesIO(stamp_font_bytes(str(STAMP_FONT)))).getBestCmap()[ord("ệ")]
    stamp_font_bytes.cache_clear()


def test_signers_from_one_file_share_the_unlocked_key_but_not_their_padding(tmp_path: Path) -> None:
    pss = signer_from_settings(load_settings(data_dir=tmp_path / "data", sign_padding="pss"))
    plain = signer_from_settings(load_settings(data_dir=tmp_path / "data", sign_padding="pkcs1v15"))
    assert pss is not plain
    assert (pss.prefer_pss, plain.prefer_pss) == (True, False)
    assert pss._key() is plain._key()
