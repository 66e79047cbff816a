"""The lifecycle's view of signed inputs: judge each one from the stored original, in both modes alike.

Why the stored original and not the file as handed in: the object store re-hashes what it gives back
against the sha256 recorded at reception, so the bytes judged (and, when passed through, kept as the
result) are exactly the bytes received, whether this runs in the desk's process or in a queue worker on
another machine that never saw the user's file. Which sources to judge comes from the traits ingest
recorded (``dossier_sources.traits``): a PDF with at least one signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.models import Source
from storage import keys
from workers.context import Context

if TYPE_CHECKING:
    from signing.inputs import SignedInputVerdict


@dataclass(frozen=True)
class SignedInput:
    """One signed source of the dossier: where its verified bytes lie here, and the verdict."""

    index: int
    sha256: str
    path: Path
    verdict: SignedInputVerdict

    @property
    def passed_through(self) -> bool:
        return self.verdict.passed_through

    def record(self) -> dict[str, Any]:
        return self.verdict.record(self.sha256)


def judge_signed_inputs(ctx: Context, code: str, sources: Sequence[Source], folder: Path) -> dict[int, SignedInput]:
    """Every signed PDF source by index, judged (``signing.inputs.judge_signed_input``); ``{}`` when none."""
    signed = [(i, s) for i, s in enumerate(sources) if s.kind == "pdf" and s.signatures]
    if not signed:
        return {}
    from signing.inputs import judge_signed_input  # pyHanko loads only for dossiers that need it

    settings = ctx.settings
    out = {}
    for index, src in signed:
        local = folder / f"{index:03d}-{src.sha256[:16]}.pdf"
        local.parent.mkdir(parents=True, exist_ok=True)
        ctx.store.download(keys.original_key(src.sha256), local)  # re-hashed against the recorded sha256
        verdict = judge_signed_input(
            local,
            active_content=src.active_content,
            trust_roots=settings.trust_roots,
            fetch=settings.revinfo_fetch,
            timeout_s=settings.net_timeout_s,
        )
        out[index] = SignedInput(index, src.sha256, local, verdict)
    return out
