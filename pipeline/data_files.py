"""Data files an agency may add (procedures, days off): JSON checked against a schema shipped in pipeline/data.

One reader for all of them, so each kind of file fails the same way: one error naming the file and the first
fault, in Vietnamese.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from sohoa.errors import BadInput


def validated_json(text: str, source: str, schema: dict[str, Any], error: type[BadInput], what: str) -> Any:
    """The JSON of ``source`` once it follows ``schema``; else ``error`` ("không đọc được {what}: ...")."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"không đọc được {what}: JSON lỗi ở dòng {exc.lineno}", file=source) from exc
    fault = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if fault is not None:
        where = "/".join(str(p) for p in fault.absolute_path) or "(gốc)"
        raise error(f"{what} sai cấu trúc tại {where}: {fault.message}", file=source)
    return data
