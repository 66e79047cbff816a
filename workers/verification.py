"""`sohoa verify` and `sohoa sign extend FILE`: checking signed PDFs anyone hands in, and extending them.

A file's signatures are checked by ``signing.verify``. A published result also carries its approved fields;
they are compared with this agency's database when it is reachable, and the file must be the PDF this
database recorded for the result it claims to be: a validly signed file of other bytes is not that result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from sohoa.errors import BadInput, SohoaError
from sohoa.settings import Settings


def verify_files(
    files: list[Path], settings: Settings, *, trust: list[Path] | None, offline: bool, at: dt.datetime | None
) -> dict[str, dict[str, Any]]:
    """Per file: ``ok`` (every signature passes and the embedded fields match), signatures, reasons."""
    from signing.verify import verify_file

    roots = trust if trust else settings.trust_roots
    report: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            found = verify_file(
                path, trust_roots=roots, fetch=settings.revinfo_fetch and not offline, at=at,
                timeout_s=settings.net_timeout_s,
            )  # fmt: skip
            entry = found.to_dict()
            entry["reasons"] = sorted({p for s in found.signatures if not s.bottom_line for p in s.problems})
            entry["embedded_fields"] = embedded_fields_check(path, settings)
            if entry["embedded_fields"] and entry["embedded_fields"].get("match") is False:
                entry["ok"] = False
                entry["reasons"].append(entry["embedded_fields"]["reason"])
        except SohoaError as exc:
            entry = {"ok": False, "signatures": [], "reasons": [exc.message], "error": exc.code}
        report[str(path)] = entry
    return report


def embedded_fields_check(path: Path, settings: Settings) -> dict[str, Any] | None:
    """Compare the embedded approved fields with the database's, when there are some and it is reachable."""
    from signing.approval import read_embedded_fields

    payload = read_embedded_fields(path)
    if payload is None:
        return None
    code = str(payload.get("result", ""))
    check: dict[str, Any] = {"result": code, "checked": False, "match": None}
    if settings.database_url is None and not (settings.data_dir / "sohoa.db").is_file():
        check["reason"] = "không có cơ sở dữ liệu để đối chiếu"
        return check
    try:
        from storage.db import make_engine
        from workers.publish import field_values
        from workers.results import show_result

        view = show_result(make_engine(settings.effective_database_url), code)
    except SohoaError as exc:
        check["reason"] = exc.message
        return check
    except Exception as exc:  # the database is unreachable: say so, the signatures still count
        check["reason"] = f"không kết nối được cơ sở dữ liệu: {type(exc).__name__}"
        return check
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    recorded = {v.get("sha256") for v in view.signature.get("pdf_versions") or []} | {view.pdf_sha256}
    if digest not in recorded:
        reason = f"tệp không phải bản PDF đã ghi nhận của kết quả {code} (mã băm khác)"
        check.update(checked=True, match=False, reason=reason, differences=[])
        return check
    stored = field_values(view.fields_dict())
    embedded = payload.get("fields", {})
    differ = sorted(k for k in set(stored) | set(embedded) if stored.get(k) != embedded.get(k))
    check.update(checked=True, match=not differ, differences=differ)
    if differ:
        check["reason"] = "Dữ liệu đã duyệt trong tệp khác với cơ sở dữ liệu"
    return check


def extend_file(path: Path, settings: Settings, out: Path | None = None) -> tuple[Path, Any]:
    """Add long-term validation data (revocation data and an archive timestamp) to a signed PDF file."""
    if out is not None:
        from workers.outputs import check_out_file

        check_out_file(out)  # before signing is loaded or the network asked for anything
    if not settings.tsa_url:
        raise BadInput("cần máy chủ dấu thời gian (đặt SOHOA_TSA_URL)")
    from signing.ltv import extend_pdf

    dst = out or path
    done = extend_pdf(
        path, dst, tsa_url=settings.tsa_url, trust_roots=settings.trust_roots,
        md_algorithm=settings.sign_hash, timeout_s=settings.net_timeout_s,
    )  # fmt: skip
    return dst, done
