"""Writing files into a user's folder all at once: none appear until every one of them is ready.

``check_out_dir`` and ``check_out_file`` refuse a destination that cannot receive the results before any
work starts (``BadOutput``, exit 2), so a mistyped ``--out`` costs neither the OCR nor a dossier record.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sohoa.errors import BadOutput

if TYPE_CHECKING:  # the CLI checks --out before the database layer is imported (workers.prefetch)
    from workers.context import Context


def check_out_dir(out_dir: Path) -> None:
    """Refuse ``out_dir`` unless it is, or can be made, a folder we can write into.

    Refused: an existing file (or a dangling link) in its place, a file on the way to it, and a folder
    that cannot be written (permissions, ACLs, a read-only mount). Writability is found by creating and
    removing a hidden folder where the output would go, the only answer that is true for root, ACLs and
    read-only mounts alike (``os.access`` is not).
    """
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise BadOutput("đích --out là một tệp, không phải thư mục", file=str(path))
    if path.is_symlink() and not path.exists():
        raise BadOutput("đích --out là một liên kết hỏng", file=str(path))
    existing = path
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise BadOutput(f"không tạo được thư mục --out: {existing} là một tệp", file=str(path))
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".sohoa-probe-", dir=existing))
    except OSError as exc:
        raise BadOutput(f"không ghi được vào {existing} ({exc.strerror or exc})", file=str(path)) from exc


def check_out_file(out_file: Path) -> None:
    """Refuse ``out_file`` when a folder stands in its place or its folder cannot receive it."""
    path = Path(out_file)
    if path.is_dir():
        raise BadOutput("đích --out là một thư mục, cần đường dẫn tệp", file=str(path))
    check_out_dir(path.parent)


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


def write_outputs(ctx: Context, result: dict[str, Any], out_dir: Path) -> list[Path]:
    """One signed PDF per document and the dossier JSON, copied from the object store (re-hashed)."""
    from storage import keys

    code = result["dossier"]["code"]
    written: list[Path] = []
    with staging(out_dir) as tmp:
        for doc in result["documents"]:
            name = doc["pdf"]["filename"]
            ctx.store.download(doc["pdf"].get("key") or keys.result_pdf_key(code, doc["code"]), tmp / name)
            written.append(out_dir / name)
        json_name = f"{code}.json"
        (tmp / json_name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(out_dir / json_name)
        for path in written:
            (tmp / path.name).replace(path)
    return written
