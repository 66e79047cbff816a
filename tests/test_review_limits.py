"""Over-long typed text is bad input: a field value (limited by its field's type), a reason or a name over its
limit is refused with one line and exit 2, and nothing changes.

Before, a value over 10,000 characters was an internal error (exit 1), reasons had no limit at all, and an
over-long name given to `results attach` failed inside the audit log (exit 1).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import SOHOA
from seed_results import AUDIT_KEY, decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine
from test_review_cli import sohoa

from pipeline.models import FieldValue
from sohoa.errors import BadInput
from storage.local import LocalFolderStore
from storage.repository.review import MAX_NAME, MAX_REASON, VALUE_LIMITS
from workers.review import set_field


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url)


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> tuple[str, list[str]]:
    store = LocalFolderStore(tmp_path / "data" / "objects")
    dated = decision_fields() | {"issue_date": FieldValue("12/03/2024", "12/03/2024", 0.95, 1, (1, 1, 9, 9))}
    return seed_dossier(engine, "limits", [dated, sure_fields()], store=store)


def _value(env: dict[str, str], result: str, key: str) -> object:
    shown = json.loads(sohoa(env, "results", "show", result, "--json").stdout)
    field = shown["fields"].get(key)
    return None if field is None else field["value"]


def test_one_megabyte_field_value_is_refused_as_bad_input(engine: Engine, stored) -> None:
    _, (first, _) = stored
    with pytest.raises(BadInput) as exc:
        set_field(engine, first, "signer_name", "x" * 1_000_000, by="reviewer", audit_key=AUDIT_KEY)
    assert exc.value.exit_code == 2 and "vượt giới hạn" in exc.value.message


def test_over_long_review_value_exits_2_with_one_line(env: dict[str, str], stored) -> None:
    """100,000 characters: as long as one command-line argument can be (Linux allows 128 KiB)."""
    _, (first, _) = stored
    done = subprocess.run(
        [SOHOA, "review", "set", first, "signer_name", "y" * 100_000], env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.startswith("sohoa: ") and done.stderr.count("\n") == 1
    assert len(done.stderr) < 300  # the line names the limit, it does not echo the value
    assert _value(env, first, "signer_name") == "Nguyễn Văn Bính"


def test_over_long_reason_exits_2_and_changes_nothing(env: dict[str, str], stored) -> None:
    _, (first, _) = stored
    done = sohoa(env, "review", "set", first, "signer_name", "Trần Thị Cúc", "--reason", "r" * (MAX_REASON + 1))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "lý do" in done.stderr
    assert _value(env, first, "signer_name") == "Nguyễn Văn Bính"
    fine = sohoa(env, "review", "set", first, "signer_name", "Trần Thị Cúc", "--reason", "r" * MAX_REASON)
    assert fine.returncode == 0, fine.stderr


def test_value_limits_follow_the_field_type(env: dict[str, str], stored) -> None:
    """A date is short, a name or a summary may be a sentence: the limits are a table by field type."""
    _, (first, _) = stored
    assert VALUE_LIMITS["date"] < 100 <= VALUE_LIMITS["str"]
    long_date = sohoa(env, "review", "set", first, "issue_date", "1" * 100)
    assert long_date.returncode == 2 and "giới hạn 40 ký tự (trường kiểu date)" in long_date.stderr, long_date.stderr
    assert _value(env, first, "issue_date") == "12/03/2024"
    long_name = sohoa(env, "review", "set", first, "signer_name", "Nguyễn " * 14 + "Bính")
    assert long_name.returncode == 0, long_name.stderr


def test_over_long_actor_name_exits_2_in_every_command(env: dict[str, str], engine: Engine, stored, tmp_path) -> None:
    _, (first, second) = stored
    later, _ = seed_dossier(engine, "later", [sure_fields()], store=LocalFolderStore(tmp_path / "data" / "objects"))
    name = "n" * (MAX_NAME + 1)
    for args in (
        ("review", "set", first, "signer_name", "Trần Thị Cúc", "--by", name),
        ("review", "approve", second, "--by", name),
        ("results", "attach", second, "--to", later, "--by", name),
        ("publish", second, "--by", name),
    ):
        done = sohoa(env, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "--by" in done.stderr, (args, done.stderr)
