"""Agency names in the header, by their words: where one body's name ends and the next begins.

ND 30 stacks the superior body over the issuer ("UBND TỈNH QUẢNG NINH" / "SỞ TƯ PHÁP"), each name may
wrap anywhere ("UBND THÀNH PHỐ HẢI" / "PHÒNG"), and a one-stop desk or a police post is a unit under a
body ("ỦY BAN NHÂN DÂN XÃ GIA VIỄN" / "BỘ PHẬN MỘT CỬA"). A name begins at a line that opens with a head
word (``vocab.AGENCY_HEADS``, ``vocab.AGENCY_ABBREVIATIONS``) unless the break only cut a name in two;
the same words tell a value that is no agency's name, or two names run together, so a reviewer sees it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from pipeline.normalize import fold_words, match_key, nfc
from pipeline.vocab import AGENCY_ABBREVIATIONS, AGENCY_HEADS, PLACES

# Words that cannot end a name: the line after them continues it ("SỞ NÔNG NGHIỆP VÀ / MÔI TRƯỜNG").
DANGLING = frozenset({"VA", "CUA", "VE", "VOI", "CHO", "TAI", "THUOC", "TRUC"})


@lru_cache(maxsize=1)
def _heads() -> tuple[tuple[str, ...], frozenset[str]]:
    """(folded heads, longest first; the strong ones: two words or more, or an abbreviation)."""
    folded = {fold_words(h) for h in AGENCY_HEADS} | {fold_words(a) for a in AGENCY_ABBREVIATIONS}
    strong = {h for h in folded if " " in h} | {fold_words(a) for a in AGENCY_ABBREVIATIONS}
    return tuple(sorted(folded, key=lambda h: (-len(h.split()), h))), frozenset(strong)


def _marked(text: str) -> list[str]:
    """Words with their marks, in one case and tone style ("phục", not "PHUC"): folded, "Vĩnh Phúc" ends
    on the word "Phục vụ" begins with."""
    return re.findall(r"\w+", match_key(text))


def _data_lines(name: str) -> list[str]:
    text = resources.files("pipeline").joinpath(name).read_text("utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def _place_phrases() -> tuple[str, ...]:
    """The provinces and the place list's names, read once for the word pairs and the glued names."""
    return (*PLACES, *_data_lines("data/vi_place_names.txt"))


@lru_cache(maxsize=1)
def known_pairs() -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """(Word pairs of the administrative phrases and place names, with their marks; the words such a name
    ends on). "môi" then "trường", "hải" then "phòng" are one name broken across lines."""
    pairs: set[tuple[str, str]] = set()
    enders: set[str] = set()
    for phrase in (*_place_phrases(), *_data_lines("data/vi_admin_phrases.txt")):
        words = _marked(phrase)
        pairs.update(itertools.pairwise(words))
        enders.update(words[-1:])
    return frozenset(pairs), frozenset(enders)


@lru_cache(maxsize=1)
def _glued_places() -> dict[str, tuple[int, ...]]:
    """Place names of two words or more by their letters run together ("DAKLAK") → their words' lengths."""
    out: dict[str, set[tuple[int, ...]]] = {}
    for phrase in _place_phrases():
        words = fold_words(phrase).split()
        if len(words) > 1:
            out.setdefault("".join(words), set()).add(tuple(len(w) for w in words))
    return {k: next(iter(v)) for k, v in out.items() if len(v) == 1}


def respace(text: str) -> str:
    """Spaces OCR lost inside a header put back: after an abbreviated head ("UBNDTỈNH" → "UBND TỈNH") and
    inside a place name of several words ("ĐẮKLẮK" → "ĐẮK LẮK"). A word is cut only where what it spells
    run together is one of these, so a real word is never split."""
    abbreviations = sorted((fold_words(a) for a in AGENCY_ABBREVIATIONS), key=len, reverse=True)
    out: list[str] = []
    for word in text.split():
        folded = fold_words(word)
        if len(folded) != len(word) or not word.isalpha():
            out.append(word)
            continue
        cut = next((len(a) for a in abbreviations if folded.startswith(a) and len(folded) - len(a) >= 2), 0)
        if cut and folded not in abbreviations:
            out.append(word[:cut])
            word, folded = word[cut:], folded[cut:]
        lengths = _glued_places().get(folded)
        if lengths:
            starts = list(itertools.accumulate((0, *lengths)))
            out.extend(word[a:b] for a, b in itertools.pairwise(starts))
        else:
            out.append(word)
    return " ".join(out)


@lru_cache(maxsize=1)
def _spelled_heads() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Heads by their folded words → their spellings in capitals, as listed."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for head in AGENCY_HEADS:
        words = tuple(fold_words(head).split())
        out[words] = (*out.get(words, ()), nfc(head).upper())
    return out


def spell_heads(text: str) -> str:
    """Head words of several words OCR gave other marks put back as the vocabulary spells them ("UY BẠN
    NHAN DÂN" → "ỦY BAN NHÂN DÂN"; "PHONG ĐĂNG KÝ …" → "PHÒNG ĐĂNG KÝ …"): a closed list, matched on all
    its letters, word for word; a one-word head only as the name's first word ("BẠN ĐỌC" inside a name is no
    "BAN"). A head read as one of its listed spellings ("UỶ BAN", the older tone placement) stays as printed."""
    words = text.split()
    folded = [fold_words(w) for w in words]
    heads = sorted(_spelled_heads().items(), key=lambda kv: -len(kv[0]))
    out: list[str] = []
    i = 0
    while i < len(words):
        match = next(((k, v) for k, v in heads if (len(k) > 1 or i == 0) and tuple(folded[i : i + len(k)]) == k), None)
        if match is None:
            out.append(words[i])
            i += 1
            continue
        read = " ".join(words[i : i + len(match[0])])
        out.extend((read if nfc(read).upper() in match[1] else match[1][0]).split())
        i += len(match[0])
    return " ".join(out)


def head_of(text: str) -> str | None:
    """The head word(s) the text opens with, folded ("UY BAN NHAN DAN", "UBND", "SO"), or None. A head of
    several words is found with its spaces lost too ("ỦYBAN NHÂN DÂN")."""
    words = fold_words(text).split()
    for head in _heads()[0]:
        n = len(head.split())
        if words[:n] == head.split():
            return head
        if n > 1 and any("".join(words[:j]) == head.replace(" ", "") for j in range(1, n)):
            return head
    return None


def cut_head(text: str) -> bool:
    """The whole line is the start of a head of three words or more, cut at the line's end ("ỦY BAN NHÂN" /
    "DÂN XÃ GIA VIỄN", or as OCR misreads it, "UY BẠN NHAN"): a body begins there, as with the whole head."""
    words = fold_words(text).split()
    return len(words) >= 2 and any(
        len(head.split()) > len(words) and head.split()[: len(words)] == words for head in _heads()[1]
    )


def opens_body(text: str) -> bool:
    """The text opens with a body's head word: "SỞ ...", "ỦY BAN NHÂN DÂN ...", "UBND ..."."""
    return head_of(text) is not None


def continues_name(prev: str, text: str) -> bool:
    """Whether the line ``text`` carries on the name the line ``prev`` began, instead of naming a body.

    It does when it opens with no head ("PHƯỜNG HỒNG BÀNG", "VIỄN"), when ``prev`` ends on a word no name
    ends on ("VÀ") or on a head's first word ("CHI" / "CỤC THUẾ"), or when it opens with a one-word head
    that stands alone ("HẢI" / "PHÒNG") or completes a pair begun above that no name ends inside ("PHỤC" /
    "VỤ HÀNH CHÍNH CÔNG"; "MÔI TRƯỜNG" / "PHÒNG ..." and "VĨNH LONG" / "TRƯỜNG ..." are two bodies). A head
    of two words or an abbreviation ("ỦY BAN NHÂN DÂN", "BỘ PHẬN", "UBND") always begins a body: "VĂN
    PHÒNG ỦY BAN" is a phrase, yet "PHÒNG" / "ỦY BAN NHÂN DÂN" under "HẢI" is a city and a ward.
    """
    before, after = fold_words(prev).split(), fold_words(text).split()
    head = head_of(text)
    if before and after and before[-1] not in DANGLING and cut_head(text):
        return False
    if not before or not after or head is None or before[-1] in DANGLING:
        return True
    if " " in (head_of(f"{before[-1]} {fold_words(text)}") or ""):
        return True  # the break cut a head of two words in two: "CHI" / "CỤC THUẾ", "ỦY" / "BAN NHÂN DÂN"
    if head in _heads()[1]:
        return False
    if len(after) == 1:
        return True
    pairs, enders = known_pairs()
    last, first = _marked(prev)[-1:], _marked(text)[:1]
    return bool(last and first) and (last[0], first[0]) in pairs and last[0] not in enders


def split_bodies(texts: Sequence[str]) -> list[list[int]]:
    """The lines of a header block grouped by body, top down: indices of each body's lines."""
    bodies: list[list[int]] = []
    for i, text in enumerate(texts):
        if bodies and continues_name(texts[i - 1], text):
            bodies[-1].append(i)
        else:
            bodies.append([i])
    return bodies


def second_body_at(text: str) -> int | None:
    """Word index where a second body's name begins inside one value ("UBND THÀNH PHỐ HẢI PHÒNG ỦY BAN
    NHÂN DÂN PHƯỜNG ..."), or None: a strong head after the first word, unless the words before it are a
    head themselves or end on a word no name ends on ("VĂN PHÒNG ỦY BAN NHÂN DÂN", "THƯỜNG TRỰC HĐND",
    "CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI" are one body's names)."""
    words = fold_words(text).split()
    heads, strong = _heads()
    for k in range(1, len(words)):
        if head_of(" ".join(words[k:])) not in strong:
            continue
        before = " ".join(words[:k])
        if before in heads or words[k - 1] in DANGLING:
            continue
        return k
    return None


def shape_reasons(text: str) -> list[str]:
    """``["agency_shape"]`` when a header value is no agency's name (a person's name, a title, a line of
    the body) or holds two bodies' names: either way the split of the header went wrong."""
    return [] if opens_body(text) and second_body_at(text) is None else ["agency_shape"]


def issuer_reasons(text: str) -> list[str]:
    """``shape_reasons``, and ``issuer_abbreviated`` for an issuer that opens with an abbreviation ("UBND
    TỈNH …"): ND 30 lets only the superior body's name shorten "Ủy ban nhân dân" and the like, so such an
    issuer is most often the superior's line with the issuer's own lines lost."""
    head = head_of(text)
    abbreviated = head is not None and head in {fold_words(a) for a in AGENCY_ABBREVIATIONS}
    return shape_reasons(text) + (["issuer_abbreviated"] if abbreviated else [])
