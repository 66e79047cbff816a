"""Issue 11, item 5: publishing is atomic with approval.

The approval signature takes a second or more (key, TSA, OCSP). A correction, a withdrawn approval or a
second publisher that lands meanwhile must abort the publication: nothing is stored, the result keeps its
digitized PDF, and the result's state says what the database says. Signed for real (test PKI, B-LTA);
the interleaving is forced by running the competing action from inside the signing call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_signing_publish import _settings, _stored_result
from testpki import PkiServer

import signing.sign
from storage import keys
from workers.context import Context, open_context
from workers.publish import PublishConflict, publish_result
from workers.results import show_result
from workers.review import approve, set_field

pytestmark = pytest.mark.slow


def _during_signing(monkeypatch: pytest.MonkeyPatch, action: Callable[[], Any]) -> None:
    """Run ``action`` once, in the middle of the next approval signature (after the PDF is signed)."""
    real = signing.sign.sign_pdf

    def sign_then_act(*args: Any, **kwargs: Any) -> Any:
        summary = real(*args, **kwargs)
        action()
        return summary

    monkeypatch.setattr(signing.sign, "sign_pdf", sign_then_act)


def _approved(pki: PkiServer, tmp_path: Path, token: str) -> tuple[Context, str]:
    ctx = open_context(_settings(pki, tmp_path / "data"))
    code = _stored_result(ctx, pki, tmp_path, token)
    approve(ctx.engine, code, by="lan", audit_key=ctx.audit_key, force=True)
    return ctx, code


def _nothing_published(ctx: Context, code: str, digitized_sha: str | None) -> None:
    view = show_result(ctx.engine, code)
    assert "approval" not in view.signature and view.pdf_sha256 == digitized_sha
    prefix = f"dossiers/{view.dossier}/results/{code}/"
    assert list(ctx.store.iter_keys(prefix)) == []  # not even an orphan object
    assert not ctx.store.exists(keys.result_version_key(view.dossier, code, "published", str(digitized_sha)))


def test_a_correction_landing_while_signing_aborts_the_publication(
    pki: PkiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, code = _approved(pki, tmp_path, "atomic-1")
    digitized = show_result(ctx.engine, code).pdf_sha256
    _during_signing(
        monkeypatch,
        lambda: set_field(ctx.engine, code, "number_symbol", "46/QĐ-UBND", by="minh", audit_key=ctx.audit_key),
    )

    with pytest.raises(PublishConflict, match="trong lúc ký"):
        publish_result(ctx, code, by="lan")

    _nothing_published(ctx, code, digitized)
    view = show_result(ctx.engine, code)
    assert view.state == "needs_review"  # the correction withdrew the approval; nothing says otherwise
    monkeypatch.undo()
    approve(ctx.engine, code, by="lan", audit_key=ctx.audit_key, force=True)  # again, as corrected: now it publishes
    done = publish_result(ctx, code, by="lan")
    assert done.pdf_sha256 and not done.already


def test_an_approval_withdrawn_and_given_again_while_signing_aborts_the_publication(
    pki: PkiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same fields, but another approval than the one the signature would carry (other time, other person)."""
    ctx, code = _approved(pki, tmp_path, "atomic-2")
    digitized = show_result(ctx.engine, code).pdf_sha256

    def reapprove() -> None:
        value = show_result(ctx.engine, code).fields["number_symbol"].value  # type: ignore[union-attr]
        set_field(
            ctx.engine, code, "number_symbol", str(value), by="minh", audit_key=ctx.audit_key
        )  # a confirmation reopens it
        approve(ctx.engine, code, by="minh", audit_key=ctx.audit_key, force=True)

    _during_signing(monkeypatch, reapprove)
    with pytest.raises(PublishConflict):
        publish_result(ctx, code, by="lan")
    _nothing_published(ctx, code, digitized)


def test_two_publishers_racing_publish_once(pki: PkiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, code = _approved(pki, tmp_path, "atomic-3")
    results: list[Any] = []
    monkeypatch.setattr(signing.sign, "sign_pdf", signing.sign.sign_pdf)
    real = signing.sign.sign_pdf
    calls = {"n": 0}

    def sign_and_race(*args: Any, **kwargs: Any) -> Any:
        summary = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # the first publisher is overtaken by a second one while it signs
            results.append(publish_result(ctx, code, by="minh"))
        return summary

    monkeypatch.setattr(signing.sign, "sign_pdf", sign_and_race)
    with pytest.raises(PublishConflict, match="công bố"):
        publish_result(ctx, code, by="lan")
    [second] = results
    view = show_result(ctx.engine, code)
    assert view.pdf_sha256 == second.pdf_sha256 and view.signature["approval"]
    assert len(list(ctx.store.iter_keys(f"dossiers/{view.dossier}/results/{code}/"))) == 1
