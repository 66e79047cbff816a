"""Page findings a desk clerk can act on, each with a code and a plain Vietnamese message.

This slice reports what the page stages already measured (resolution, blank page, orientation fixed,
large skew, nothing read); the full reception gate (blur, cut edges, exposure) builds on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.models import PageResult

MIN_DPI = 200
LARGE_SKEW = 4.5


def _finding(code: str, severity: str, message: str) -> dict[str, Any]:
    return {"code": code, "severity": severity, "message": message}


def page_findings(page: PageResult, ocr_image: np.ndarray) -> list[dict[str, Any]]:
    """Findings for one page; ``severity`` is ``info``, ``warning`` or ``error``."""
    n = page.number
    out: list[dict[str, Any]] = []
    ink = float((ocr_image < 128).mean())
    if ink < 0.002:
        out.append(_finding("blank_page", "warning", f"Trang {n} là trang trắng, vui lòng kiểm tra lại"))
    if page.dpi < MIN_DPI:
        how = "ước tính" if page.dpi_estimated else "theo tệp"
        out.append(
            _finding(
                "low_resolution",
                "warning",
                f"Trang {n} có độ phân giải {page.dpi} dpi ({how}), dưới {MIN_DPI} dpi, vui lòng quét lại",
            )
        )
    if page.rotation:
        out.append(_finding("rotated", "info", f"Trang {n} bị quay {page.rotation}°, đã xoay lại"))
    if abs(page.skew) > LARGE_SKEW:
        out.append(_finding("large_skew", "warning", f"Trang {n} bị nghiêng {abs(page.skew):.1f}°, đã chỉnh thẳng"))
    if ink >= 0.002 and not page.words:
        out.append(_finding("no_text", "warning", f"Trang {n} không đọc được chữ nào, vui lòng quét lại"))
    return out
