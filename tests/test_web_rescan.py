"""Rescanning one page at the desk before submitting: the page's own check, and the file holding it rebuilt.

The desk's two sample pages go into a two-page PDF and a two-page TIFF (as a scanner's feeder writes them);
page 2 is rescanned as a JPEG through the API, and what comes back is checked with pikepdf and Pillow.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pytest
from PIL import Image, ImageFilter
from web_helpers import SAMPLE, client, login, make_service

from workers.service import Service

PAGES = sorted(SAMPLE.glob("*.jpg"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("rescan") / "data")
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def desk(service: Service) -> tuple[Any, dict[str, str]]:
    web = client(service)
    return web, {"X-CSRF-Token": login(web, "le.tan")}


def _bytes(images: list[Image.Image], kind: str, **options: Any) -> bytes:
    out = io.BytesIO()
    images[0].save(out, kind, save_all=True, append_images=images[1:], resolution=200.0, dpi=(200, 200), **options)
    return out.getvalue()


def _pages() -> list[Image.Image]:
    return [Image.open(p).convert("RGB") for p in PAGES]


def _blurred_jpeg() -> bytes:
    out = io.BytesIO()
    Image.open(PAGES[0]).filter(ImageFilter.GaussianBlur(3)).save(out, "JPEG", dpi=(200, 200))
    return out.getvalue()


def _replace(desk: tuple[Any, dict[str, str]], name: str, data: bytes, page: int, new: bytes) -> Any:
    web, csrf = desk
    files = {"file": (name, data, "application/octet-stream"), "replacement": ("lai.jpg", new, "image/jpeg")}
    return web.post("/api/v1/pages/replace", files=files, data={"page": str(page)}, headers=csrf)


def test_a_page_inside_a_pdf_is_replaced_by_its_new_scan_and_the_others_stay(desk: Any) -> None:
    original = _bytes(_pages(), "PDF")
    new = _blurred_jpeg()
    done = _replace(desk, "ho-so.pdf", original, 2, new)
    assert done.status_code == 200, done.text
    assert (
        done.headers["content-type"] == "application/pdf"
        and 'filename="ho-so.pdf"' in done.headers["content-disposition"]
    )
    with pikepdf.open(io.BytesIO(original)) as before, pikepdf.open(io.BytesIO(done.content)) as after:
        assert len(after.pages) == 2
        first = [bytes(img.read_raw_bytes()) for img in after.pages[0].images.values()]
        assert first == [bytes(img.read_raw_bytes()) for img in before.pages[0].images.values()]
        (second,) = after.pages[1].images.values()
        assert bytes(second.read_raw_bytes()) == new, "the new scan's JPEG goes in as it is"
        assert [round(float(v)) for v in after.pages[1].mediabox] == [0, 0, 595, 842]  # 1654x2339 px at 200 dpi


def test_a_frame_of_a_tiff_is_replaced(desk: Any) -> None:
    done = _replace(desk, "ho-so.tif", _bytes(_pages(), "TIFF", compression="tiff_lzw"), 1, _blurred_jpeg())
    assert done.status_code == 200, done.text
    assert done.headers["content-type"] == "image/tiff"
    with Image.open(io.BytesIO(done.content)) as tiff:
        assert tiff.n_frames == 2
        tiff.seek(1)
        assert list(tiff.convert("RGB").getdata())[:5000] == list(_pages()[1].getdata())[:5000]


def test_a_rescan_must_be_one_page_of_a_page_that_exists(desk: Any) -> None:
    two = _bytes(_pages(), "PDF")
    several = _replace(desk, "ho-so.pdf", two, 1, two)
    assert several.status_code == 400 and several.json()["error"]["code"] == "rescan_refused"
    beyond = _replace(desk, "ho-so.pdf", two, 3, _blurred_jpeg())
    assert beyond.status_code == 400 and "không có trang 3" in beyond.json()["error"]["message"]
    junk = _replace(desk, "ho-so.pdf", b"not a pdf", 1, _blurred_jpeg())
    assert junk.status_code == 400


def test_the_rescanned_page_is_checked_alone_under_its_number_in_the_dossier(desk: Any) -> None:
    web, csrf = desk
    files = [("files", ("lai.jpg", _blurred_jpeg(), "image/jpeg"))]
    checked = web.post("/api/v1/check", params={"first_page": 5}, files=files, headers=csrf)
    assert checked.status_code == 200, checked.text
    (page,) = checked.json()["pages"]
    assert page["number"] == 5 and (page["source_index"], page["source_page"]) == (0, 1)
    assert page["rescan"] and checked.json()["rescan"] == [5]
    assert any(f["message"].startswith("Trang 5 ") for f in page["findings"]), page["findings"]


def test_only_the_desk_rescans(service: Service) -> None:
    web = client(service)
    csrf = {"X-CSRF-Token": login(web, "kiem.tra")}
    files = {"file": ("a.jpg", PAGES[0].read_bytes(), "image/jpeg"), "replacement": ("b.jpg", b"x", "image/jpeg")}
    assert web.post("/api/v1/pages/replace", files=files, data={"page": "1"}, headers=csrf).status_code == 403
