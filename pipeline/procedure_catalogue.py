"""The procedure catalogue (thủ tục hành chính and their components), loaded from JSON files.

Why data: a procedure or a component is an entry in ``data/procedures/*.json``, checked against
``data/procedure.schema.json``; an agency adds its own procedures in a folder of the same files
(``SOHOA_PROCEDURES_DIR``), where an entry with a shipped code replaces the shipped one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pipeline.data_files import validated_json
from pipeline.doctypes import DOC_TYPES, OTHER
from sohoa.errors import BadInput

Level = Literal["xa", "tinh", "trung_uong"]
LEVEL_LABELS = {"xa": "Cấp xã", "tinh": "Cấp tỉnh", "trung_uong": "Cấp trung ương"}
# The shipped files' domains as the desk names them; an agency's own domain shows as written.
DOMAIN_LABELS = {
    "ho_tich": "Hộ tịch",
    "cu_tru": "Cư trú",
    "dat_dai": "Đất đai",
    "dang_ky_kinh_doanh": "Đăng ký kinh doanh",
    "bao_tro_xa_hoi": "Bảo trợ xã hội",
}


class CatalogueError(BadInput):
    """A procedure file that does not follow the schema or names an unknown document type."""

    code = "procedure_catalogue"


class UnknownProcedure(BadInput):
    """No procedure of the catalogue has that code."""

    code = "unknown_procedure"


@dataclass(frozen=True)
class Component:
    """One component (thành phần hồ sơ) a procedure asks for: which document types fill it, how many."""

    key: str
    name: str
    types: tuple[str, ...]
    copies: int
    required: bool
    condition: str | None
    reusable: bool
    form_codes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "types": list(self.types),
            "form_codes": list(self.form_codes),
            "copies": self.copies,
            "requirement": "required" if self.required else "conditional",
            "condition": self.condition,
            "reusable": self.reusable,
        }


@dataclass(frozen=True)
class Procedure:
    """A procedure: its code (mã TTHC), name, agency level and components, and the file it came from."""

    code: str
    name: str
    level: Level
    domain: str
    components: tuple[Component, ...]
    processing_days: int = 0  # thời hạn giải quyết, in working days: what the due date (ngày hẹn trả) counts
    legal_basis: tuple[str, ...] = ()
    source: str = ""

    @property
    def processing_label(self) -> str:
        """The processing time as the desk says it: "trong ngày" or "N ngày làm việc"."""
        return "trong ngày" if self.processing_days == 0 else f"{self.processing_days} ngày làm việc"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "domain": self.domain,
            "processing_days": self.processing_days,
            "legal_basis": list(self.legal_basis),
            "source": self.source,
            "components": [c.to_dict() for c in self.components],
        }


@lru_cache(maxsize=1)
def catalogue_schema() -> dict[str, Any]:
    """The JSON Schema every procedure file follows (pipeline/data/procedure.schema.json)."""
    return json.loads(resources.files("pipeline").joinpath("data/procedure.schema.json").read_text("utf-8"))


def _known_types() -> frozenset[str]:
    return frozenset(t.key for t in DOC_TYPES) | {OTHER.key}


def parse_file(text: str, source: str) -> list[Procedure]:
    """The procedures of one file; ``CatalogueError`` naming the file and the first fault otherwise."""
    data = validated_json(text, source, catalogue_schema(), CatalogueError, "tệp thủ tục")
    known = _known_types()
    procedures = []
    for entry in data["procedures"]:
        keys = [c["key"] for c in entry["components"]]
        if len(set(keys)) != len(keys):
            raise CatalogueError(f"thủ tục {entry['code']}: hai thành phần cùng khóa", file=source)
        unknown = sorted({t for c in entry["components"] for t in c["types"]} - known)
        if unknown:
            raise CatalogueError(f"thủ tục {entry['code']}: loại giấy tờ không có: {', '.join(unknown)}", file=source)
        procedures.append(_procedure(entry, data.get("domain", ""), source))
    return procedures


def _procedure(entry: dict[str, Any], domain: str, source: str) -> Procedure:
    components = tuple(
        Component(
            key=c["key"],
            name=c["name"],
            types=tuple(c["types"]),
            copies=c["copies"],
            required=c["requirement"] == "required",
            condition=c.get("condition"),
            reusable=c["reusable"],
            form_codes=tuple(c.get("form_codes", ())),
        )
        for c in entry["components"]
    )
    return Procedure(
        code=entry["code"],
        name=entry["name"],
        level=entry["level"],
        domain=entry.get("domain", domain),
        components=components,
        processing_days=entry["processing_days"],
        legal_basis=tuple(entry.get("legal_basis", ())),
        source=source,
    )


def _files(texts: list[tuple[str, str]]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for source, text in texts:
        for proc in parse_file(text, source):
            if proc.code in found:
                raise CatalogueError(f"mã thủ tục {proc.code} trùng với tệp {found[proc.code].source}", file=source)
            found[proc.code] = proc
    return found


def shipped_files() -> list[tuple[str, str]]:
    """(name, text) of each procedure file shipped with sohoa."""
    folder = resources.files("pipeline").joinpath("data/procedures")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return [(f"procedures/{f.name}", f.read_text("utf-8")) for f in files]


def load_catalogue(agency_dir: Path | None = None) -> dict[str, Procedure]:
    """Every procedure by code: the shipped ones, then the agency's (``agency_dir``), which may replace them."""
    catalogue = _files(shipped_files())
    if agency_dir is not None:
        if not agency_dir.is_dir():
            raise CatalogueError("thư mục thủ tục của cơ quan không tồn tại", file=str(agency_dir))
        texts = [(str(p), p.read_text("utf-8")) for p in sorted(agency_dir.glob("*.json"))]
        catalogue |= _files(texts)
    return catalogue


def find_procedure(catalogue: dict[str, Procedure], code: str) -> Procedure:
    """The procedure with this code; ``UnknownProcedure`` otherwise."""
    proc = catalogue.get(code.strip())
    if proc is None:
        shown = code.strip()[:40] + ("…" if len(code.strip()) > 40 else "")  # a hostile code is not echoed whole
        raise UnknownProcedure(f"không có thủ tục mã {shown!r} trong danh mục", hint="xem sohoa procedures list")
    return proc
