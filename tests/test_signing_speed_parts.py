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
