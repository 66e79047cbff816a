"""Files at rest are private: folders 0700, files 0600, whatever the process umask.

Scans, page images, OCR text, results and the database hold personal data. The CLI and the worker set
umask 077 at start; the stores and the database also ask for these modes where they create things, so a
library caller with a looser umask (a test, a web server) gets the same.
"""

from __future__ import annotations

from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing folder above it with mode 0700 (``mkdir(parents=True)`` gives the
    parents the umask's mode); existing folders are left as they are."""
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)  # the umask can only narrow it
        except FileExistsError:  # another process made it meanwhile
            continue
    return path
