"""Every reason the pipeline gives a reviewer is shown in Vietnamese (the workbench is Vietnamese first).

The codes are found in the pipeline's own sources: the literal codes it appends to a field's or a
document's reasons, passes as ``reasons``, adds with ``_add`` or returns from a validator. A new code
written without a label fails here instead of showing the reviewer "family_name_unknown".
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from workers.workbench import REASON_LABELS, reason_label

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
REASONY = re.compile(r"reason|field_from_words\(|_field\(|FieldValue\(")


def _codes_in(node: ast.AST) -> set[str]:
    return {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and CODE.match(sub.value)
    }


def _listed(node: ast.AST) -> set[str]:
    """String codes that stand in a list, tuple or set literal under ``node``."""
    return {
        code
        for sub in ast.walk(node)
        if isinstance(sub, ast.List | ast.Tuple | ast.Set)
        for elt in sub.elts
        for code in _codes_in(elt)
        if isinstance(elt, ast.Constant)
    }


def _reason_codes(path: Path) -> set[str]:
    source = path.read_text("utf-8")
    codes: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "_add":
                codes |= set().union(*(_codes_in(a) for a in node.args[1:]))
            if name == "append" and "reason" in (ast.get_source_segment(source, func) or ""):
                codes |= set().union(*(_codes_in(a) for a in node.args))
        elif isinstance(node, ast.Return) and node.value is not None and path.name == "validators.py":
            codes |= _listed(node.value)
        elif isinstance(node, ast.Assign | ast.Expr | ast.Return) and REASONY.search(
            ast.get_source_segment(source, node) or ""
        ):
            codes |= _listed(node)
    return codes


def test_every_reason_code_the_pipeline_writes_has_a_vietnamese_label() -> None:
    codes = set().union(*(_reason_codes(p) for p in PIPELINE.glob("*.py")))
    # the scan finds the codes it must: if these go unseen, the scan is broken, not the labels
    assert {"missing", "read_again", "ocr_repaired", "personal_id_format", "leader_debris", "invalid_date"} <= codes
    unlabelled = sorted(c for c in codes if c not in REASON_LABELS)
    assert unlabelled == [], f"reason codes with no Vietnamese label in workers/workbench.py: {unlabelled}"


def test_a_code_without_a_label_is_shown_as_it_is_never_hidden() -> None:
    assert reason_label("family_name_unknown").startswith("không bắt đầu bằng một họ")
    assert reason_label("a_new_code") == "a_new_code"
