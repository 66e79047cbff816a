"""Workbench load time in Chromium with two 3000x4000 page images: ``python benchmarks/workbench_load.py``.

A seeded result (no OCR) in a fresh data folder, ``sohoa serve``'s app on a free port, a reviewer logged in;
each run opens the workbench and waits for the load event and the first doubtful field to take the focus.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from seed_results import decision_fields, seed_dossier
from test_web_browser import CHROMIUM, _free_port
from web_helpers import PASSWORD, make_service

from storage import keys
from web.app import create_app

RUNS = 5


def page_jpeg() -> bytes:
    """A 3000x4000 page with ruled lines (so the JPEG is not trivially small)."""
    image = Image.new("RGB", (3000, 4000), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, 4000, 60):
        draw.line([(100, y), (2900, y)], fill=(90, 90, 90), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def main() -> None:
    from playwright.sync_api import sync_playwright

    service = make_service(Path(tempfile.mkdtemp()) / "data")
    dossier, (code,) = seed_dossier(service.ctx.engine, "big", [decision_fields()])
    jpeg = page_jpeg()
    for number in (1, 2):
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), jpeg, content_type="image/jpeg")
    port = _free_port()
    app = create_app(service, background=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base}/login")
        page.fill("#username", "kiem.tra")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_load_state()
        times = []
        for _ in range(RUNS):
            started = time.monotonic()
            page.goto(f"{base}/review/{code}", wait_until="load")
            page.wait_for_selector("li.field.active")
            times.append(time.monotonic() - started)
        browser.close()
    server.should_exit = True
    print(f"page JPEG {len(jpeg) / 1e6:.2f} MB x 2; workbench load, s: {[round(t, 2) for t in times]}")
    print(f"median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
