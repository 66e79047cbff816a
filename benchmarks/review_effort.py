"""Reviewer effort on generated results, by keyboard only: ``python benchmarks/review_effort.py [--json]``.

Generated results (no OCR) are seeded into a real database in a fresh data folder, each with three doubtful
fields whose true text is drawn on its 3000x4000 page images; some fields hold a wrong reading (a letter or a
digit off, as OCR gets them wrong). A reviewer in Debian's Chromium starts at the queue and, by keyboard alone,
corrects each wrong field (Ctrl+A, the true text, Enter), confirms each right one (Enter) and approves with
Ctrl+Enter, which opens the next result.

What is counted: every key pressed, the typed characters included (also shown without them). What is timed:
the software's share only, from the key that asks for something (Enter, Ctrl+Enter) until the workbench is
ready for the next key (the save answered and the next field focused; the next result loaded and its first
field focused). The typing itself is scripted and not timed: a person's reading and typing come on top.
Approval here does not publish (``publish_on_approval`` off): the signing of published results is measured
with the signing benchmarks. Also measured: the workbench load with a 3000x4000 page image.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from seed_results import seed_dossier
from test_web_browser import CHROMIUM, _free_port
from web_helpers import PASSWORD

from pipeline.models import FieldValue
from storage import keys
from web.app import create_app
from workers.service import Service, settings_from_env

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NAMES = ["Nguyễn Văn Bình", "Trần Thị Hương", "Lê Minh Đức", "Phạm Thu Trang", "Hoàng Quốc Việt", "Võ Thị Lan"]
# Where each field's text is drawn, in the pixels of a 3000x4000 page (scaled for other sizes).
PLACES = {"number_symbol": (1, 300, 600), "personal_id": (1, 300, 1400), "signer_name": (2, 1800, 3200)}
NOTE = ("seconds: the software's share (save or approve, then the next field focused or the next result "
        "loaded); the typing is scripted and not timed")  # fmt: skip


@dataclass
class Seeded:
    """One generated result: its code, the true value of each field, and which fields hold a wrong reading."""

    code: str
    truth: dict[str, str]
    wrong: set[str]


@dataclass
class Tally:
    """What the scripted reviewer did: per corrected field and per confirmed result, keystrokes and seconds."""

    corrected_keys: list[int] = field(default_factory=list)
    corrected_typed: list[int] = field(default_factory=list)
    corrected_s: list[float] = field(default_factory=list)
    confirmed_keys: list[int] = field(default_factory=list)
    confirmed_s: list[float] = field(default_factory=list)
    approve_s: list[float] = field(default_factory=list)
    load_s: list[float] = field(default_factory=list)


def truths(index: int) -> dict[str, str]:
    """The true values of result ``index``."""
    return {
        "number_symbol": f"{101 + index}/QĐ-UBND",
        "personal_id": f"0012030{index:05d}",
        "signer_name": NAMES[index % len(NAMES)],
    }


def misread(key: str, value: str) -> str:
    """A plausible OCR error: the last word's diacritics lost, a ``1`` read as ``l``, two digits swapped."""
    if key == "signer_name":
        *head, last = value.split(" ")
        bare = "".join(c for c in unicodedata.normalize("NFD", last) if not unicodedata.combining(c))
        return " ".join([*head, unicodedata.normalize("NFC", bare) if bare != last else last + "h"])
    if key == "number_symbol":
        return value.replace("1", "l", 1)
    return value[:-2] + value[-1] + value[-2] if value[-1] != value[-2] else value[:-1] + "7"


def page_jpeg(texts: list[tuple[tuple[int, int], str]], size: tuple[int, int]) -> bytes:
    """A white page of ``size`` with ruled lines and ``texts`` at their places (so the JPEG has real weight)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    scale = size[0] / 3000
    font = ImageFont.truetype(str(FONT), max(12, int(64 * scale))) if FONT.exists() else ImageFont.load_default()
    for y in range(0, size[1], max(20, int(60 * scale))):
        draw.line([(int(100 * scale), y), (size[0] - int(100 * scale), y)], fill=(150, 150, 150), width=2)
    draw.text((int(1100 * scale), int(250 * scale)), "QUYẾT ĐỊNH", fill="black", font=font)
    for at, text in texts:
        draw.text(at, text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def plan(correct: int, confirm: int) -> list[set[str]]:
    """Which fields are wrong in each result: ``correct`` wrong fields, one or two per result, then ``confirm``
    results with none wrong, interleaved so confirmations are not all at the end of the queue."""
    keys_ = list(PLACES)
    with_errors: list[set[str]] = []
    left = correct
    while left > 0:
        take = 2 if left >= 2 and len(with_errors) % 2 else 1
        with_errors.append({keys_[(len(with_errors) + i) % 3] for i in range(take)})
        left -= take
    clean: list[set[str]] = [set() for _ in range(confirm)]
    mixed: list[set[str]] = []
    while with_errors or clean:
        if with_errors:
            mixed.append(with_errors.pop(0))
        if clean:
            mixed.append(clean.pop(0))
    return mixed


def seed(service: Any, wanted: list[set[str]], size: tuple[int, int]) -> list[Seeded]:
    """Each planned result as the store stage writes it, its page images in the object store."""
    made = []
    scale = size[0] / 3000
    for index, wrong in enumerate(wanted):
        truth = truths(index)
        fields = {}
        for key, (page, x, y) in PLACES.items():
            at = (int(x * scale), int(y * scale))
            box = (at[0], at[1], at[0] + int(900 * scale), at[1] + int(80 * scale))
            value = misread(key, truth[key]) if key in wrong else truth[key]
            fields[key] = FieldValue(value, value, 0.6, page, box, "needs_review", ["low_confidence"])
        dossier, (code,) = seed_dossier(service.ctx.engine, f"effort-{index}", [fields])
        for number in (1, 2):
            texts = [((int(x * scale), int(y * scale)), truth[k]) for k, (p, x, y) in PLACES.items() if p == number]
            data = page_jpeg(texts, size)
            service.ctx.store.put_bytes(keys.page_image_key(dossier, number), data, content_type="image/jpeg")
        made.append(Seeded(code, truth, wrong))
    return made


READY = """(ref) => {
  const row = document.querySelector(`li.field[data-ref="${ref}"]`);
  const left = document.querySelector('#left strong').textContent;
  const at = document.activeElement?.closest('li.field');
  return row.dataset.status === 'corrected' && (left === '0' || at?.dataset.status === 'needs_review');
}"""


def review(page: Any, base: str, results: list[Seeded], tally: Tally) -> None:
    """The scripted reviewer: from the queue, every result by keyboard alone."""
    by_code = {r.code: r for r in results}
    page.goto(f"{base}/review")
    first = page.locator("#queue a").first.get_attribute("href")
    page.goto(f"{base}{first}")
    page.wait_for_selector("li.field.active")
    for _ in results:
        code = page.locator("#bench").get_attribute("data-code")
        result = by_code[code]
        keys_this, seconds_this = 0, 0.0
        if not result.wrong:  # all read right: Ctrl+Enter asks once, Enter confirms them as read and approves
            started = time.perf_counter()
            page.keyboard.press("Control+Enter")
            page.wait_for_selector("#confirm-all[open]")
            seconds_this += time.perf_counter() - started
            page.keyboard.press("Enter")
            keys_this = 1
        while result.wrong and page.locator('li.field[data-status="needs_review"]').count():
            ref = page.evaluate("() => document.activeElement.closest('li.field').dataset.ref")
            if ref in result.wrong:
                page.keyboard.press("Control+A")
                page.keyboard.type(result.truth[ref])  # scripted typing: not timed
                started = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(READY, arg=ref)
                tally.corrected_s.append(time.perf_counter() - started)
                tally.corrected_keys.append(2 + len(result.truth[ref]))
                tally.corrected_typed.append(len(result.truth[ref]))
            else:
                started = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(READY, arg=ref)
                seconds_this += time.perf_counter() - started
                keys_this += 1
        started = time.perf_counter()
        if result.wrong:
            page.keyboard.press("Control+Enter")
        page.wait_for_url(lambda url, code=code: f"/review/{code}" not in url)
        page.wait_for_load_state("load")
        if "/review/" in page.url:
            page.wait_for_selector("li.field.active")
        approve = time.perf_counter() - started
        tally.approve_s.append(approve)
        if not result.wrong:
            tally.confirmed_keys.append(keys_this + 1)
            tally.confirmed_s.append(seconds_this + approve)


def stored_wrong(service: Any, results: list[Seeded]) -> list[str]:
    """``result/field`` of every stored value that is not the truth, or of a result left unapproved."""
    wrong = []
    for r in results:
        view = service.results_show(r.code, by="benchmark")
        wrong += [f"{r.code}/{k}" for k, v in r.truth.items() if view.fields[k].value != v]
        wrong += [] if view.state in ("approved", "published") else [f"{r.code} ({view.state})"]
    return wrong


def spread(values: list[float]) -> dict[str, float | int | None]:
    """n, median and 90th percentile (nearest rank) of ``values``; None without any."""
    if not values:
        return {"n": 0, "median": None, "p90": None}
    ordered = sorted(values)
    rank = max(0, -(-len(ordered) * 9 // 10) - 1)
    return {"n": len(values), "median": round(statistics.median(values), 3), "p90": round(ordered[rank], 3)}


def run(correct: int, confirm: int, load_runs: int, size: tuple[int, int]) -> dict[str, Any]:
    """Seed, serve, review; the figures as a dictionary."""
    from playwright.sync_api import sync_playwright

    data = Path(tempfile.mkdtemp(prefix="review-effort-")) / "data"
    service = Service(settings_from_env(data_dir=data, publish_on_approval=False))
    service.users_add("kiem.duyet", PASSWORD, roles=["reviewer", "approver"], by="benchmark")
    results = seed(service, plan(correct, confirm), size)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service, background=False), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    tally = Tally()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
            page.goto(f"{base}/login")
            page.fill("#username", "kiem.duyet")
            page.fill("#password", PASSWORD)
            page.press("#password", "Enter")
            page.wait_for_load_state()
            page.goto(f"{base}/review/{results[0].code}", wait_until="load")  # warm: templates, first image
            for _ in range(load_runs):
                started = time.perf_counter()
                page.goto(f"{base}/review/{results[0].code}", wait_until="load")
                page.wait_for_selector("li.field.active")
                tally.load_s.append(time.perf_counter() - started)
            review(page, base, results, tally)
            browser.close()
        wrong = stored_wrong(service, results)
        if wrong:
            raise SystemExit(f"the review did not leave the true values: {wrong}")
    finally:
        server.should_exit = True
        thread.join(10)
        service.close()
    jpeg = len(page_jpeg([], size))
    keys_, typed = tally.corrected_keys, tally.corrected_typed
    return {
        "results": len(results),
        "page": {"width": size[0], "height": size[1], "jpeg_mb": round(jpeg / 1e6, 2), "pages_per_result": 2},
        "corrected_field": {
            "keystrokes": spread([float(k) for k in tally.corrected_keys]),
            "keystrokes_without_typing": spread([float(k - t) for k, t in zip(keys_, typed, strict=True)]),
            "seconds": spread(tally.corrected_s),
        },
        "confirmed_result": {
            "keystrokes": spread([float(k) for k in tally.confirmed_keys]),
            "seconds": spread(tally.confirmed_s),
        },
        "approve_and_next_s": spread(tally.approve_s),
        "workbench_load_s": spread(tally.load_s),
        "note": NOTE,
    }


def table(figures: dict[str, Any]) -> str:
    """The figures as a plain table."""
    page = figures["page"]
    rows = [
        ("corrected field: keystrokes (typing included)", figures["corrected_field"]["keystrokes"]),
        ("corrected field: keystrokes besides the typing", figures["corrected_field"]["keystrokes_without_typing"]),
        ("corrected field: seconds", figures["corrected_field"]["seconds"]),
        ("confirmed result: keystrokes", figures["confirmed_result"]["keystrokes"]),
        ("confirmed result: seconds", figures["confirmed_result"]["seconds"]),
        ("approve and open the next result: seconds", figures["approve_and_next_s"]),
        (f"workbench load, {page['width']}x{page['height']} page: seconds", figures["workbench_load_s"]),
    ]
    show = lambda v: "—" if v is None else f"{v:g}"  # noqa: E731
    lines = [f"{'measure':<56} {'n':>4} {'median':>8} {'p90':>8}"]
    lines += [f"{name:<56} {s['n']:>4} {show(s['median']):>8} {show(s['p90']):>8}" for name, s in rows]
    lines.append(f"{figures['results']} results, 3 doubtful fields each; page JPEG {page['jpeg_mb']} MB x 2")
    lines.append(NOTE)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--correct", type=int, default=20, help="wrong fields to correct (N)")
    parser.add_argument("--confirm", type=int, default=10, help="results to confirm, every field right (M)")
    parser.add_argument("--load-runs", type=int, default=5, help="workbench loads timed before the review")
    parser.add_argument("--page", default="3000x4000", help="page image size, WxH")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.page.split("x"))
    if args.correct + args.confirm < 1:
        parser.error("at least one result: --correct or --confirm above 0")
    figures = run(args.correct, args.confirm, args.load_runs, (width, height))
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else table(figures))


if __name__ == "__main__":
    main()
