"""Stamp placement: a pure function, so every rule is checked on hand-made word boxes (top-left origin)."""

from __future__ import annotations

import pytest

from signing.stamp import Box, find_stamp_box, to_pdf_rect
from sohoa.errors import SigningError

A4 = (595.0, 842.0)
STAMP = {"stamp_width": 200.0, "stamp_height": 50.0, "margin": 18.0}


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside_page(box: Box, margin: float = 18.0) -> bool:
    return margin - 1e-6 <= box[0] < box[2] <= A4[0] - margin + 1e-6 and margin - 1e-6 <= box[1] < box[3] <= A4[1]


def test_empty_page_gets_full_size_stamp_in_top_left_corner() -> None:
    placement = find_stamp_box(*A4, [], **STAMP)
    assert placement.box == (18.0, 18.0, 218.0, 68.0)
    assert (placement.edge, placement.scale, placement.fits) == ("top", 1.0, True)


def test_prefer_top_right_puts_agency_stamp_in_top_right_corner() -> None:
    placement = find_stamp_box(*A4, [], prefer="top-right", **STAMP)
    assert placement.box == (A4[0] - 18 - 200, 18.0, A4[0] - 18, 68.0)


def test_stamp_slides_right_past_a_word_in_the_top_left_corner() -> None:
    words = [(20.0, 20.0, 150.0, 35.0)]
    placement = find_stamp_box(*A4, words, **STAMP)
    assert placement.fits and placement.edge == "top" and placement.scale == 1.0
    assert placement.box[0] >= 150.0  # right of the word, still in the top band
    assert placement.box[1] == 18.0
    assert not any(_overlaps(placement.box, w) for w in words)


def test_body_text_below_the_top_band_does_not_move_the_stamp() -> None:
    body = [(72.0, y, 520.0, y + 12.0) for y in range(90, 780, 16)]
    placement = find_stamp_box(*A4, body, **STAMP)
    assert placement.box == (18.0, 18.0, 218.0, 68.0)


def test_stamp_shrinks_when_the_top_margin_is_too_shallow_for_full_size() -> None:
    # a header line at y=62..75 leaves 44 pt above it (minus gap): too little for 50 pt, enough at 0.8
    words = [(60.0, 62.0, 540.0, 75.0)]
    placement = find_stamp_box(*A4, words, **STAMP)
    assert placement.fits and placement.edge == "top"
    assert placement.scale < 1.0
    assert placement.box[3] <= 60.0
    assert placement.box[2] - placement.box[0] == pytest.approx(200.0 * placement.scale)


def test_full_top_band_falls_back_to_the_bottom_margin() -> None:
    words = [(18.0, 10.0, 577.0, 80.0)]  # a letterhead across the whole top
    placement = find_stamp_box(*A4, words, **STAMP)
    assert placement.fits and placement.edge == "bottom" and placement.scale == 1.0
    assert placement.box == (18.0, A4[1] - 18 - 50, 218.0, A4[1] - 18)


def test_side_margin_is_used_when_top_and_bottom_are_full() -> None:
    words = [(0.0, 0.0, 595.0, 100.0), (0.0, 742.0, 595.0, 842.0), (300.0, 100.0, 595.0, 742.0)]
    placement = find_stamp_box(*A4, words, **STAMP)
    assert placement.fits and placement.edge == "left"
    assert not any(_overlaps(placement.box, w) for w in words)
    assert _inside_page(placement.box)


def test_full_page_returns_least_overlapping_box_flagged_as_not_fitting() -> None:
    words = [(0.0, y, 595.0, y + 10.0) for y in range(0, 842, 12)]  # text everywhere
    placement = find_stamp_box(*A4, words, **STAMP)
    assert not placement.fits
    assert placement.overlap_area > 0
    assert placement.scale == 0.6  # the smallest stamp covers the least text
    assert _inside_page(placement.box)


def test_stamp_never_leaves_the_page_margins() -> None:
    words = [(100.0, 30.0, 110.0, 40.0), (400.0, 25.0, 420.0, 45.0)]
    placement = find_stamp_box(*A4, words, prefer="top-right", **STAMP)
    assert placement.fits and _inside_page(placement.box)
    assert not any(_overlaps(placement.box, w) for w in words)


def test_word_boxes_given_upside_down_are_normalised() -> None:
    placement = find_stamp_box(*A4, [(150.0, 35.0, 20.0, 20.0)], **STAMP)
    assert placement.box[0] >= 150.0


def test_stamp_bigger_than_page_is_an_error() -> None:
    with pytest.raises(SigningError):
        find_stamp_box(100.0, 100.0, [], stamp_width=500.0, stamp_height=50.0, margin=10.0)


def test_nonsense_sizes_are_an_error() -> None:
    with pytest.raises(SigningError):
        find_stamp_box(*A4, [], stamp_width=0.0, stamp_height=50.0, margin=10.0)


def test_to_pdf_rect_flips_the_y_axis_and_applies_the_mediabox_origin() -> None:
    assert to_pdf_rect((18.0, 18.0, 218.0, 68.0), 842.0) == (18.0, 774.0, 218.0, 824.0)
    assert to_pdf_rect((0.0, 0.0, 10.0, 10.0), 100.0, origin=(5.0, 7.0)) == (5.0, 97.0, 15.0, 107.0)
