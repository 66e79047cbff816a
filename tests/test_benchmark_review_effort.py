"""The reviewer effort benchmark (benchmarks/review_effort.py) runs end to end on two results in Chromium:
the scripted reviewer corrects one result's wrong field by keyboard and confirms a right one with Ctrl+Enter,
Enter; the stored values end up true (the benchmark checks and fails otherwise), and the JSON carries finite
figures."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest
from test_web_browser import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def test_one_result_corrected_and_one_confirmed_by_keyboard_are_measured(capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (a subprocess would pay the imports again): the command's own ``main`` with ``--json``."""
    spec = importlib.util.spec_from_file_location("review_effort", ROOT / "benchmarks" / "review_effort.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    module.main(["--correct", "1", "--confirm", "1", "--load-runs", "1", "--page", "1500x2000", "--json"])
    figures = json.loads(capsys.readouterr().out)
    assert figures["results"] == 2 and figures["page"]["width"] == 1500
    corrected = figures["corrected_field"]
    assert corrected["keystrokes"]["n"] == 1
    assert corrected["keystrokes_without_typing"]["median"] == 2  # Ctrl+A and Enter
    assert corrected["keystrokes"]["median"] > 2  # the true text typed
    assert figures["confirmed_result"]["keystrokes"]["median"] == 2  # Ctrl+Enter, then Enter in the dialog
    for spread in (corrected["seconds"], figures["workbench_load_s"], figures["confirmed_result"]["seconds"]):
        assert spread["n"] == 1 and math.isfinite(spread["median"]) and 0 < spread["median"] < 60
    assert "not timed" in figures["note"]
