"""Web figures: submit -> receipt time for a 10-page dossier, the receipt PDF, rescanning one page of it, and
each page's weight (HTML + CSS + JS).

Run: ``python benchmarks/web_figures.py`` (a fresh data folder; the pages are the sample dossier's two scans
repeated into one 10-page PDF). The time covers the upload, the reception check, storing the originals,
recording the dossier and rendering the receipt page, as the desk does it (``check=false``: the desk ran the
reception check when the files were chosen, timed separately here); OCR runs after (not measured here).
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from web_helpers import SAMPLE, client, login, make_service


def ten_page_pdf() -> bytes:
    """The sample's two pages, five times each, as one 200-dpi PDF."""
    scans = [Image.open(p).convert("RGB") for p in sorted(SAMPLE.glob("*.jpg"))]
    pages = [scans[i % 2] for i in range(10)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=200, save_all=True, append_images=pages[1:])
    return out.getvalue()


def weight(web: object, path: str) -> int:
    """Bytes of a page's HTML plus the CSS and JS files it links."""
    page = web.get(path)  # type: ignore[attr-defined]
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page.text)
    return len(page.content) + sum(len(web.get(a).content) for a in assets)  # type: ignore[attr-defined]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(Path(tmp) / "data")
        web = client(service)
        csrf = login(web, "le.tan")
        pdf = ten_page_pdf()
        times = []
        for run in range(3):
            data = pdf + f"\n%run {run}\n".encode()  # a new dossier each time (a different sha256)
            started = time.perf_counter()
            got = web.post("/api/v1/dossiers?check=false", files={"files": ("ho-so.pdf", data, "application/pdf")},
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
            assert got.status_code == 202, got.text
            assert web.get(f"/desk/receipt/{got.json()['code']}").status_code == 200
            times.append(time.perf_counter() - started)
            assert got.json()["pages"] == 10
        started = time.perf_counter()
        assert web.post("/api/v1/check", files={"files": ("ho-so.pdf", pdf, "application/pdf")},
                        headers={"X-CSRF-Token": csrf}).status_code == 200  # fmt: skip
        print(f"reception check with thumbnails, 10 pages: {time.perf_counter() - started:.2f} s")
        print(f"submit -> receipt, 10 pages: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}")
        code = got.json()["code"]
        started = time.perf_counter()
        receipt = web.get(f"/desk/receipt/{code}?format=pdf")
        assert receipt.status_code == 200
        print(f"receipt A5 PDF: {time.perf_counter() - started:.2f} s, {len(receipt.content) / 1024:.0f} KB")
        rescan = io.BytesIO()
        Image.open(sorted(SAMPLE.glob("*.jpg"))[1]).save(rescan, "JPEG", dpi=(200, 200))
        started = time.perf_counter()
        swapped = web.post("/api/v1/pages/replace", data={"page": "7"}, headers={"X-CSRF-Token": csrf},
                           files={"file": ("ho-so.pdf", pdf, "application/pdf"),
                                  "replacement": ("lai.jpg", rescan.getvalue(), "image/jpeg")})  # fmt: skip
        checked = web.post("/api/v1/check?first_page=7", headers={"X-CSRF-Token": csrf},
                           files={"files": ("lai.jpg", rescan.getvalue(), "image/jpeg")})  # fmt: skip
        assert swapped.status_code == checked.status_code == 200
        print(f"rescan page 7 of 10 (swap in the PDF + its check): {time.perf_counter() - started:.2f} s")
        secret = service.receipt_secret(code)
        for path in ("/login", "/desk", f"/desk/receipt/{code}", f"/status?code={code}&secret={secret}", "/verify"):
            print(f"page weight {path.split('?')[0]}: {weight(web, path) / 1024:.1f} KB (HTML + CSS + JS)")
        service.close()


if __name__ == "__main__":
    main()
