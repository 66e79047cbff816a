"""Progress reporting seam: the lifecycle reports, the boundary (CLI bar, job meta, web) displays."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives stage progress: ``stage`` name, pages or steps ``done`` of ``total``."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def silent(stage: str, done: int, total: int) -> None:
    """The default: report nothing."""
