"""Sample dossiers and the seeded generator of synthetic Vietnamese scans with exact ground truth.

- :mod:`samples.generator`: ``generate_dossier``, ``render_page``, ``scan_page``, ``load_truth``,
  ``regenerate_committed_samples`` (the dossiers under ``samples/dossiers/``).
- :mod:`samples.documents` (the five ND 30 kinds) and :mod:`samples.forms` (receipts, certificates, forms,
  a secret decision, blank and separator sheets; ``build_pages`` builds any kind).
- :mod:`samples.truth_pages`: generated pages as a flawless OCR would read them (``PageResult``).
- :mod:`samples.defects`: ``DefectSpec``, the presets ("clean", "office", "harsh"), ``apply_defects``.
- :mod:`samples.cer`: the one CER/WER used by tests and benchmarks.

Names are loaded lazily, so ``import samples.cer`` stays cheap (no OpenCV, no pikepdf).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "generate_dossier": "samples.generator",
    "render_page": "samples.generator",
    "render_pages": "samples.generator",
    "scan_page": "samples.generator",
    "load_truth": "samples.generator",
    "truth_text": "samples.generator",
    "regenerate_committed_samples": "samples.generator",
    "DefectSpec": "samples.defects",
    "apply_defects": "samples.defects",
    "cer": "samples.cer",
    "wer": "samples.cer",
    "normalize_text": "samples.cer",
    "strip_stamp": "samples.cer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'samples' has no attribute {name!r}")
