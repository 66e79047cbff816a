"""Normalization of Vietnamese field values: text keys, dates and numbers in digits or words.

Why here and not in each extractor: the same slip (a tone mark, "hoà" for "hòa", "1.250,5" for 1250.5)
reaches every field, and matching, validation and the result must all see one canonical form.
Display values keep what was printed except for NFC and the tone-placement convention; the folded forms
(no marks) only ever serve to *find* things, never as stored values (domain-vn.md §5).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
DASHES = str.maketrans({"–": "-", "—": "-", "‒": "-", "―": "-", "“": '"', "”": '"', "‘": "'", "’": "'"})
# Open syllables whose tone sits on the first vowel in the old style (hòa, khỏe, thủy) and on the second in
# the new one (hoà, khoẻ, thuỷ). After "q" the "u" is part of the consonant (quý), so it never moves.
_OPEN_PAIR = re.compile(r"^([^aeiouy]*?)(oa|oe|uy)$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _base(ch: str) -> str:
    """The letter without any mark ("ệ" → "e", "đ" → "d"), keeping the length of the text."""
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    return unicodedata.normalize("NFD", ch)[0]


def fold(text: str) -> str:
    """Upper-case letters without marks, one char per char of the (NFC) input, so spans map back.

    "Quyết định" → "QUYET DINH". OCR text is NFC already; a match found in the folded text gives the
    span of the printed words.
    """
    return "".join(_base(ch).upper() for ch in text)


def fold_words(text: str) -> str:
    """Folded text reduced to words of letters and digits separated by one space (for cue matching)."""
    return " ".join(re.findall(r"[A-Z0-9]+", fold(nfc(text))))


def canonical_tone(text: str) -> str:
    """Move the tone of open oa/oe/uy syllables to the first vowel (ND 30 writes "Hòa", "Thủy").

    NFC does not unify "hòa" (h ò a) and "hoà" (h o à); both are legitimate spellings, so values are
    brought to the one convention the documents themselves use.
    """
    return re.sub(r"\w+", lambda m: _canonical_word(m.group(0)), nfc(text))


def _canonical_word(word: str) -> str:
    chars = [unicodedata.normalize("NFD", ch) for ch in word]
    tones = [i for i, ch in enumerate(chars) if any(m in TONE_MARKS for m in ch[1:])]
    if len(tones) != 1 or len(chars) < 2:
        return word
    bases = "".join(ch[0].lower() for ch in chars)
    m = _OPEN_PAIR.match(bases)
    if not m or m.group(1).endswith("q") or tones[0] != len(chars) - 1:
        return word
    if any(len(ch) > 1 and not all(mk in TONE_MARKS for mk in ch[1:]) for ch in chars[-2:]):
        return word  # a vowel mark (ơ, ê...) means another syllable shape
    last = chars[-1]
    tone = next(mk for mk in last[1:] if mk in TONE_MARKS)
    chars[-1] = last.replace(tone, "")
    chars[-2] = chars[-2] + tone
    return nfc("".join(chars))


# A dash OCR put between two lower-case syllables ("hồ-sơ"): Vietnamese joins no syllables with one, so
# it is a rule or a speck read as "-". One side must carry a mark, to leave English words ("e-mail") alone.
_GLUED_DASH = re.compile(r"(?<=[a-zà-ỹđ])-(?=[a-zà-ỹđ])")


def _unglue(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        left = re.search(r"\w+$", text[: m.start()])
        right = re.match(r"\w+", text[m.end() :])
        pair = (left.group(0) if left else "") + (right.group(0) if right else "")
        return " " if not pair.isascii() else "-"

    return _GLUED_DASH.sub(fix, text)


def clean_text(text: str) -> str:
    """NFC, canonical tone placement, one space between words, plain dashes and quotes, no edge punctuation."""
    text = _unglue(canonical_tone(text).translate(DASHES))
    return re.sub(r"\s+", " ", text).strip(" ,;:-_|")


def match_key(text: str) -> str:
    """Key k1 of domain-vn.md §5: NFC, canonical tone, case-folded, whitespace and dashes unified."""
    return clean_text(text).casefold()


# -- numbers --------------------------------------------------------------------------------------
_DIGIT_WORDS = {
    "KHONG": 0,
    "MOT": 1,
    "MOTT": 1,
    "HAI": 2,
    "BA": 3,
    "BON": 4,
    "TU": 4,
    "NAM": 5,
    "LAM": 5,
    "NHAM": 5,
    "SAU": 6,
    "BAY": 7,
    "TAM": 8,
    "CHIN": 9,
}
_SCALES = {"NGHIN": 1000, "NGAN": 1000, "TRIEU": 1_000_000, "TY": 1_000_000_000, "TI": 1_000_000_000}
_FILLERS = {"LINH", "LE", "MONG", "MUNG", "VA"}


def parse_number(text: str) -> Decimal | None:
    """A number printed the Vietnamese way: "." groups thousands, "," is the decimal point.

    "1.250,5" → 1250.5; "4.200.000.000 đồng" → 4200000000; "120,5 m²" → 120.5; "1250.5" (a lone dot
    followed by other than three digits) → 1250.5. Returns None when there is no number.
    """
    m = re.search(r"\d[\d.,\s]*", text)
    if not m:
        return None
    raw = re.sub(r"\s+", "", m.group(0)).rstrip(".,")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".", 1).replace(",", "")
    elif raw.count(".") == 1 and not re.fullmatch(r"\d{1,3}\.\d{3}", raw):
        pass  # a decimal point written the English way
    else:
        raw = raw.replace(".", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def number_truncated(text: str) -> bool:
    """The first number of the text ends with its decimal comma and no digit after it ("773, m²"): OCR
    lost the decimals ("773,8"), so ``parse_number``'s 773 is not what the page says."""
    m = re.search(r"\d[\d.,\s]*", text)
    return m is not None and re.sub(r"\s+", "", m.group(0)).endswith(",")


def number_text(value: Decimal | int) -> str:
    """A number as the result JSON stores it: no grouping, "." decimal point, no trailing zeros."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def parse_number_words(text: str) -> Decimal | None:
    """A number written in words: "một nghìn hai trăm năm mươi phẩy năm" → 1250.5.

    Covers the words of amounts on certificates (tỷ, triệu, nghìn/ngàn, trăm, mươi/mười, linh/lẻ,
    mốt/lăm/tư) and "phẩy" for the decimal point; other words (đồng, mét vuông) are ignored.
    """
    tokens = fold_words(text).split()
    if "PHAY" in tokens:
        i = tokens.index("PHAY")
        whole, frac = _words_int(tokens[:i]), tokens[i + 1 :]
        digits = [_DIGIT_WORDS[t] for t in frac if t in _DIGIT_WORDS]
        if whole is None or not frac:
            return None
        if len(digits) == len([t for t in frac if t not in _FILLERS]):
            decimals = "".join(str(d) for d in digits)
        else:
            value = _words_int(frac)
            if value is None:
                return None
            decimals = str(value)
        return Decimal(f"{whole}.{decimals}")
    value = _words_int(tokens)
    return None if value is None else Decimal(value)


def _words_int(tokens: list[str]) -> int | None:
    result, group, n = 0, 0, 0
    seen = False
    prev_digit = False
    for tok in tokens:
        if tok in _DIGIT_WORDS:
            n += _DIGIT_WORDS[tok]
            prev_digit, seen = True, True
            continue
        if tok == "MUOI":  # mươi after a digit multiplies it, mười alone is ten
            n = n * 10 if prev_digit else n + 10
        elif tok == "TRAM":
            group += n * 100
            n = 0
        elif tok in _SCALES:
            scale = _SCALES[tok]
            chunk = group + n or (0 if result else 1)
            low = result % scale
            result = result - low + (low + chunk) * scale
            group, n = 0, 0
        elif tok in _FILLERS:
            pass
        else:
            continue  # units and other words (đồng, mét, vuông)
        seen = True
        prev_digit = False
    return result + group + n if seen else None


# -- dates ----------------------------------------------------------------------------------------
_DIGIT_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_WORD_DATE = re.compile(r"NG\w{1,3}\s+(\d{1,2})\s+TH\w{1,3}NG\s+(\d{1,2})\s+N\w{1,2}M\s+(\d{4})")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")


def iso_date(day: int | str, month: int | str, year: int | str) -> str | None:
    """ISO date from parts, or None when it is not a real calendar date."""
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """ISO date from "05/03/2025", "5-3-2025", "ngày 05 tháng 3 năm 2025", "05032025" or words.

    The words of a date are matched by shape on folded text, so a slip in their marks ("thủng",
    "nắm") does not lose the date; the digits carry the value.
    """
    folded = fold(text)
    for pattern in (_WORD_DATE, _DIGIT_DATE):
        m = pattern.search(folded)
        if m:
            return iso_date(*m.groups())
    words = parse_date_words(text)
    if words:
        return words
    m = _COMPACT_DATE.search(folded)
    return iso_date(*m.groups()) if m else None


def day_month_ambiguous(text: str) -> bool:
    """Whether the date in ``text`` is digits only ("03/04/2025") and reads as a real date with day and month
    either way round: nothing on the page says which is which, so a reviewer decides (never guessed)."""
    folded = fold(text)
    if _WORD_DATE.search(folded) or parse_date_words(text):
        return False
    m = _DIGIT_DATE.search(folded) or _COMPACT_DATE.search(folded)
    if not m:
        return False
    day, month, year = m.groups()
    return day != month and None not in (iso_date(day, month, year), iso_date(month, day, year))


def parse_date_words(text: str) -> str | None:
    """ "ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm" → "2025-03-15".

    "năm" is both the year's marker and the word for five ("tháng năm năm ..." is May), so each
    "năm" after the month is tried as the marker until month and year both make sense.
    """
    tokens = fold_words(text).split()
    if "NGAY" not in tokens or "THANG" not in tokens:
        return None
    d0 = tokens.index("NGAY")
    m0 = tokens.index("THANG", d0)
    day = _words_int(tokens[d0 + 1 : m0])
    for j in range(m0 + 2, len(tokens)):
        if tokens[j] != "NAM":
            continue
        month, year = _words_int(tokens[m0 + 1 : j]), _words_int(tokens[j + 1 :])
        if day and month and year and 1 <= month <= 12 and 1000 <= year <= 2999:
            return iso_date(day, month, year)
    return None


def parse_year(text: str) -> str | None:
    """A four-digit year ("Sinh năm 1969", "Năm sinh: 1975"): never invent a day or a month."""
    m = re.search(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)", text)
    return m.group(1) if m else None


def digits(text: str) -> str:
    """Only the digits ("0964 996 295" → "0964996295")."""
    return re.sub(r"\D", "", text)


ID_LENGTH = 12  # số định danh cá nhân


def boxed_digits(text: str) -> str:
    """The digits of a personal ID printed one digit a box, where OCR may read each rule as "1".

    "0|5|6|…" keeps its 12 digits; "015161…" (23 to 25 digits, every other one a "1") is the 12 digits
    between rules read as ones. Any other count is left as read, for the validator to judge.
    """
    found = digits(text)
    if len(found) == ID_LENGTH or not ID_LENGTH < len(found) <= 2 * ID_LENGTH + 1:
        return found
    for offset in (0, 1):
        kept, rules = found[offset::2], found[1 - offset :: 2]
        if len(kept) == ID_LENGTH and set(rules) <= {"1"}:
            return kept
    return found


def business_code(text: str) -> str:
    """A tax/business code as printed: 10 digits, with a branch suffix "-NNN" when there is one."""
    m = re.search(r"(\d[\d\s.]{8,14}\d)(?:\s*[-–—]\s*(\d{3}))?", text)
    if not m:
        return digits(text)
    main = digits(m.group(1))
    return f"{main}-{m.group(2)}" if m.group(2) else main


def token(text: str) -> str:
    """The first word, without punctuation ("215;" → "215", "12a," → "12a")."""
    parts = text.split()
    return parts[0].strip(".,;:()") if parts else ""


def serial(text: str) -> str:
    """Letters and digits of a certificate serial or registry number: "ab123456" → "AB 123456",
    "AA 0123 4567" (a space OCR put among the digits) → "AA 01234567"."""
    m = re.search(r"([A-Za-z]{2})\s*[-.]?\s*(\d(?: ?\d){2,7})(?!\d)", text)
    return f"{m.group(1).upper()} {m.group(2).replace(' ', '')}" if m else clean_text(text)


def code(text: str) -> str:
    """An identifier printed without spaces (a dossier code): OCR's stray spaces and dashes unified."""
    return re.sub(r"\s+", "", nfc(text).translate(DASHES)).strip(".,;")


def gender(text: str) -> str | None:
    """ "Nam" or "Nữ" from what was read ("Nữ", "nu", "NỮ"), else None."""
    key = fold_words(text)
    if key.startswith("NU"):
        return "Nữ"
    if key.startswith("NAM"):
        return "Nam"
    return None


def year(text: str) -> str:
    return parse_year(text) or ""


# Marks only Vietnamese writes: hook above, dot below, horn, breve. No Latin-script language a foreign
# business name may be registered in uses them (French keeps its acute, grave and circumflex).
VIETNAMESE_ONLY_MARKS = frozenset("\u0309\u0323\u031b\u0306")


def foreign_name(text: str) -> str:
    """A name in a foreign language with the marks only Vietnamese writes taken off: OCR's Vietnamese
    model reads "TAN THINH" as "TAN THỊNH". Other marks stay, for the validator to flag."""
    bare = "".join(c for c in unicodedata.normalize("NFD", clean_text(text)) if c not in VIETNAMESE_ONLY_MARKS)
    return unicodedata.normalize("NFC", bare).replace("Đ", "D").replace("đ", "d")


# Named normalizers a schema can ask for (``normalizer`` in data/doctypes.json); types have defaults.
NORMALIZERS = {
    "digits": digits,
    "boxed_digits": boxed_digits,
    "business_code": business_code,
    "token": token,
    "serial": serial,
    "code": code,
    "year": year,
    "foreign_name": foreign_name,
}
