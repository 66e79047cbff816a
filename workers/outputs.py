"""Writing files into a user's folder all at once: none appear until every one of them is ready."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A hidden folder inside ``out_dir`` to write into; the caller moves finished files out of it.

    On any error the folder goes away with what was in it, so ``out_dir`` never holds half an output.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sohoa-", dir=out_dir))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
