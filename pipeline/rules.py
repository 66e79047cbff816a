"""Table rules, frame lines and dot leaders taken out of the OCR image, so that the text between them reads.

Tesseract takes a ruled table for a picture and drops the labels in its cells; leader dots glued to
a value turn into letters ("No Ni ¬") and pull its confidence down. Neither carries text: a straight
ink run longer than any letter is a rule, and five or more specks in an evenly spaced row are a
leader. Only the OCR image changes; the page image that is shown and signed keeps them.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_RUN_PAGE = 25  # a rule is longer than 1/25 of the page's width (8 mm on A4): no letter is
FRAME_BAND = 0.08  # a page frame runs within this share of the page's side from its edges
MIN_LEADER_DOTS = 5  # a row of at least this many specks is a leader (an ellipsis has three)


def erase_rules(binary: np.ndarray) -> np.ndarray:
    """The binary OCR image (ink 0, paper 255) with long straight rules painted white."""
    width = binary.shape[1]
    run = max(40, width // MIN_RUN_PAGE)
    ink = (binary < 128).astype(np.uint8) * 255
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    # A frame around the page is left alone: erased, its ornaments become rows of junk "words"; kept, it
    # stays one graphic Tesseract skips. Only rules inside the frame's band (tables, underlines) go.
    band_y, band_x = binary.shape[0] * FRAME_BAND, width * FRAME_BAND
    rules = (horizontal > 0) | (vertical > 0)
    rules[: int(band_y)] = False
    rules[binary.shape[0] - int(band_y) :] = False
    rules[:, : int(band_x)] = False
    rules[:, width - int(band_x) :] = False
    out = binary.copy()
    out[rules] = 255
    return out


def vertical_rules(binary: np.ndarray) -> list[tuple[int, int, int]]:
    """The vertical rules inside the page's frame band, as (x, top, bottom): the borders of table cells.

    Tesseract reads a table row as one line across its cells; the rules say where one cell's text ends.
    """
    width = binary.shape[1]
    run = max(40, width // MIN_RUN_PAGE)
    ink = (binary < 128).astype(np.uint8) * 255
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    band_y, band_x = int(binary.shape[0] * FRAME_BAND), int(width * FRAME_BAND)
    n, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    found: list[tuple[int, int, int]] = []
    for x, y, w, h, _ in stats[1:n]:
        centre = int(x + w // 2)
        if band_x <= centre < width - band_x and y + h > band_y and y < binary.shape[0] - band_y:
            found.append((centre, int(y), int(y + h)))
    return sorted(found)


def erase_leaders(binary: np.ndarray) -> np.ndarray:
    """The binary OCR image with dot leaders painted white: rows of evenly spaced specks on one baseline.

    A dot under a letter ("ị", "ạ") has letters between it and the next one, never four more dots in
    a regular row, so the marks of the text stay.
    """
    dot = max(3, binary.shape[1] // 200)  # a period is at most ~1/200 of the page's width across
    ink = (binary < 128).astype(np.uint8)
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    small = [int(k) + 1 for k in np.flatnonzero((w <= dot) & (h <= dot))]
    small.sort(key=lambda k: centroids[k][1])
    rows: list[list[int]] = []
    for k in small:  # specks on one baseline, whatever jitter binarization gave their centres
        if rows and centroids[k][1] - centroids[rows[-1][0]][1] <= dot / 2:
            rows[-1].append(k)
        else:
            rows.append([k])
    erase: list[int] = []
    for row in rows:
        row.sort(key=lambda k: centroids[k][0])
        start = 0
        for i in range(1, len(row) + 1):
            if i == len(row) or centroids[row[i]][0] - centroids[row[i - 1]][0] > 4 * dot:
                run = row[start:i]
                if len(run) >= MIN_LEADER_DOTS:
                    gaps = np.diff([centroids[k][0] for k in run])
                    if gaps.std() <= 0.35 * gaps.mean():
                        erase.extend(run)
                start = i
    out = binary.copy()
    if erase:
        for k in erase:  # each speck's own box only: cheaper than testing every pixel of the page
            x, y, bw, bh = stats[k, :4]
            box = labels[y : y + bh, x : x + bw] == k
            out[y : y + bh, x : x + bw][box] = 255
    return out


def clear_for_ocr(binary: np.ndarray) -> np.ndarray:
    """Rules and leaders out of the OCR image (``erase_rules``, ``erase_leaders``)."""
    return erase_leaders(erase_rules(binary))
