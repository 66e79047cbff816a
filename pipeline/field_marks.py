"""Tone and vowel marks of a field's value corrected against what the field is: a name, a place, a closed list.

The page's post-correction (``pipeline.postcorrect``) sees words and their neighbours only; a field also knows
its kind, which is the second source every change here needs beside "the same letters with other marks":
- a field with a closed vocabulary (land-use terms, origins, signer titles, relations) becomes the one entry
  its whole value spells with other marks ("Lầu dài" → "Lâu dài");
- a place or address field, or an agency's name after a unit word, has its runs of capitalised words matched
  against the gazetteer ``data/vi_place_names.txt``: "phường Thuận Hỏa" → "Thuận Hóa", "Nguyên Trãi" →
  "Nguyễn Trãi" (streets are named after people), "THÀNH PHỐ CÂN THƠ" → "CẦN THƠ";
- a person's name of three words or more gets its family name (the first word) back when OCR changed only
  its tone and one family name alone fits ("Nguyên Bích Vân" → "Nguyễn"); the given and middle names that
  are a family name with another tone ("Đình", "Lệ") are listed in ``data/vi_name_lookalikes.txt`` and
  left alone. A given or middle name that is no name at all ("Hãng") becomes the one name of
  ``data/vi_given_names.txt`` with its letters ("Hằng"); "Quyền"/"Quyên" are both names, and a reviewer
  decides. A name so corrected still goes to review (``family_name_corrected``, ``given_name_corrected``):
  OCR slipped on it, and the list's guess may be wrong for this one person.
The field's ``raw`` keeps the text as read, so every change can be seen and undone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources

from pipeline import gazetteer
from pipeline.doctypes import DocType
from pipeline.models import FieldValue
from pipeline.normalize import TONE_MARKS, canonical_tone
from pipeline.postcorrect import correct_tokens, strip_marks

CLOSED_VOCABULARIES = ("land_use_terms", "land_origins", "land_use_purposes", "household_relations", "procedures")
PLACE_WORDS = frozenset(
    {"tỉnh", "thành phố", "tp", "tp.", "phường", "xã", "quận", "huyện", "thị xã", "thị trấn", "đường", "phố"}
)
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _lines(name: str) -> list[str]:
    text = resources.files("pipeline").joinpath(f"data/{name}").read_text("utf-8")
    return [_nfc(ln.strip()) for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _key(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(strip_marks(w) for w in words)


def _index(phrases: Sequence[str]) -> dict[tuple[str, ...], frozenset[str]]:
    """Phrases by their mark-less words; spellings that differ only by tone placement (hòa/hoà) count once."""
    out: dict[tuple[str, ...], set[str]] = {}
    for phrase in phrases:
        words = phrase.replace("-", " - ").split()
        out.setdefault(_key(words), set()).add(canonical_tone(" ".join(words)))
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _places() -> dict[tuple[str, ...], frozenset[str]]:
    from pipeline.vocab import PLACES

    return _index([*PLACES, *_lines("vi_place_names.txt")])


@lru_cache(maxsize=1)
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(family names of one word, given and middle names that are a family name with another tone)."""
    from pipeline.vocab import SURNAMES

    one_word = frozenset(_nfc(s).lower() for s in SURNAMES if " " not in s)
    return one_word, frozenset(w.lower() for w in _lines("vi_name_lookalikes.txt"))


@cache
def _closed(name: str) -> dict[tuple[str, ...], frozenset[str]]:
    from pipeline.vocab import PHRASES, SIGNER_TITLES

    return _index(SIGNER_TITLES if name == "signer_titles" else PHRASES[name])


def load_vocabularies() -> None:
    """Build the indexes now, not in the first job (see ``postcorrect.load_vocabularies``)."""
    _places()
    _surnames()
    _given_names()
    gazetteer.load()
    for name in (*CLOSED_VOCABULARIES, "signer_titles"):
        _closed(name)


def _without_tone(word: str) -> str:
    """The word with its tone removed but its vowel marks (â, ă, ê, ô, ơ, ư) and đ kept."""
    return _nfc("".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if ch not in TONE_MARKS))


def _cased_like(template: str, word: str) -> str:
    if template.isupper() and any(ch.isalpha() for ch in template):
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower() if template.islower() else word


def _respell(tokens: Sequence[str], spelling: str) -> list[str]:
    """The tokens with the letters of ``spelling`` word for word, each token's case and punctuation kept."""
    out = []
    for token, word in zip(tokens, spelling.split(), strict=True):
        lead, core, trail = _EDGE.match(token).groups()  # type: ignore[union-attr]
        out.append(lead + _cased_like(core, word) + trail)
    return out


def _unique(index: dict[tuple[str, ...], frozenset[str]], words: Sequence[str]) -> str | None:
    """The one spelling the index has for these words' letters, or None (none, or several)."""
    spellings = index.get(_key(words), frozenset())
    return next(iter(spellings)) if len(spellings) == 1 else None


def _cores(tokens: Sequence[str]) -> list[str]:
    return [_EDGE.match(t).group(2) for t in tokens]  # type: ignore[union-attr]


def correct_closed(value: str, vocabulary: str) -> str:
    """The vocabulary's entry when the whole value spells it with other marks; else the value unchanged."""
    tokens = value.replace("-", " - ").split()
    cores = [c for c in _cores(tokens) if c]
    spelling = _unique(_closed(vocabulary), cores)
    if spelling is None or canonical_tone(" ".join(cores)).lower() == spelling.lower():
        return value
    kept = [t for t, c in zip(tokens, _cores(tokens), strict=True) if c]
    return " ".join(_respell(kept, spelling)) if len(kept) == len(tokens) else value


def _is_name_word(core: str) -> bool:
    return len(core) > 0 and core[0].isupper() and core.isalpha()


def _after_place_word(cores: Sequence[str], i: int) -> bool:
    low = [c.lower() for c in cores]
    return (i >= 1 and low[i - 1] in PLACE_WORDS) or (i >= 2 and f"{low[i - 2]} {low[i - 1]}" in PLACE_WORDS)


def _unit_before(cores: Sequence[str], i: int) -> str | None:
    """The commune-level unit word ("xã", "phường", "đặc khu") right before word ``i``, or None."""
    for n in (1, 2):
        if i >= n and (unit := gazetteer.unit_of(list(cores[i - n : i]))):
            return unit
    return None


def _name_run(tokens: Sequence[str], cores: Sequence[str], i: int) -> list[str]:
    """The capitalised words from ``i`` up to a comma or a word that is not a name's."""
    run: list[str] = []
    for k in range(i, len(tokens)):
        if not _is_name_word(cores[k]):
            break
        run.append(cores[k])
        if tokens[k] != cores[k]:
            break
    return run


def correct_unit_words(tokens: list[str], cores: list[str]) -> None:
    """A unit word OCR gave other marks ("PHƯƠNG LONG XUYÊN") is put back when the name after it is a
    commune or ward the list has under that unit only: "Phương" is a given name, "phường" a ward."""
    for i, core in enumerate(cores[:-1]):
        if gazetteer.unit_of([core]) or strip_marks(core) not in ("xa", "phuong"):
            continue
        run = _name_run(tokens, cores, i + 1)
        unit = gazetteer.unit_for(run) if run else None
        if unit is not None and strip_marks(unit) == strip_marks(core):
            tokens[i] = _respell([tokens[i]], unit)[0]
            cores[i] = _cores([tokens[i]])[0]


def correct_places(
    value: str, *, place_field: bool, notes: list[str] | None = None, provinces: frozenset[str] = frozenset()
) -> str:
    """Runs of capitalised words that are a gazetteer name with other marks, spelled as the gazetteer does.

    A run counts when it is bounded (punctuation or a lower-case word on both sides, or a unit word before
    it) and matches a whole entry; a single word only after a unit word ("thành phố Huê") or as the whole
    value of a place field. Outside place fields (an agency's name) only runs after a unit word count.
    After "xã", "phường" or "đặc khu" the commune list (``pipeline.gazetteer``) is asked first, with the
    unit: "xã Gia Viên" is no commune, and "Gia Viễn" is the one "xã" with its letters. When the name as
    read is a real one elsewhere ("phường Gia Viên"), or was one before the 2025 merger, the change is a
    guess: ``place_corrected`` is added to ``notes`` so that a reviewer sees it, unless the province the
    value or its document names (``provinces``, folded) is the corrected commune's: a second source.
    """
    tokens = value.split()
    cores = _cores(tokens)
    correct_unit_words(tokens, cores)
    index = _places()
    longest = max(len(k) for k in index)
    i = 0
    while i < len(tokens):
        after_unit = _after_place_word(cores, i)
        starts = _is_name_word(cores[i]) and (
            after_unit or (place_field and (i == 0 or not _is_name_word(cores[i - 1]) or tokens[i - 1][-1] in ",;:"))
        )
        matched = 0
        for n in range(min(longest, len(tokens) - i), 0, -1) if starts else ():
            run = cores[i : i + n]
            ends = i + n == len(tokens) or tokens[i + n - 1][-1] in ",;.:)" or not _is_name_word(cores[i + n])
            inside = all(tokens[k] == cores[k] for k in range(i, i + n - 1))  # no comma inside one name
            if not all(_is_name_word(c) for c in run) or not ends or not inside:
                continue
            if n == 1 and not after_unit and not (place_field and len(tokens) == 1):
                continue
            unit = _unit_before(cores, i)
            listed = gazetteer.commune(unit, run) if unit else None
            flat = _unique(index, run)
            spelling = listed or flat
            if spelling is not None:
                if canonical_tone(" ".join(run)).lower() != spelling.lower():
                    doubtful = gazetteer.named(run) or flat is not None
                    confirmed = gazetteer.province_of(unit, listed) if listed and unit else frozenset()
                    confirmed &= provinces | gazetteer.provinces_in(value)
                    if listed and notes is not None and doubtful and not confirmed:
                        notes.append("place_corrected")
                    tokens[i : i + n] = _respell(tokens[i : i + n], spelling)
                matched = n
                break
        i += max(matched, 1)
    return " ".join(tokens)


def correct_house_number(value: str) -> str:
    """ "SỐ 170 Hùng Vương", "Sô 158": in an address the word before a house number is "Số", whatever its marks
    or the case OCR gave its "ố" (kept in capitals when the whole address is)."""

    def fixed(m: re.Match[str]) -> str:
        token = m.group(0)
        if strip_marks(token) != "so":
            return token
        return "số" if token[0].islower() else "SỐ" if value.isupper() else "Số"

    return re.sub(r"(?<!\w)\w{2}(?=\s+\d)", fixed, value)


def correct_surname(value: str) -> str:
    """A person's name of 3+ words whose first word is a family name with only its tone changed by OCR."""
    tokens = value.split()
    if len(tokens) < 3 or not all(_EDGE.match(t).group(2).isalpha() for t in tokens):  # type: ignore[union-attr]
        return value
    surnames, lookalikes = _surnames()
    first = _nfc(tokens[0]).lower()
    if first in surnames or first in lookalikes:
        return value
    fits = [s for s in surnames if _without_tone(s) == _without_tone(first)]
    if len(fits) != 1:
        return value
    return " ".join([_cased_like(tokens[0], fits[0]), *tokens[1:]])


@lru_cache(maxsize=1)
def _given_names() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(given and middle name syllables, lower case; those syllables by their mark-less letters)."""
    names = frozenset(canonical_tone(w).lower() for w in _lines("vi_given_names.txt"))
    by_letters: dict[str, set[str]] = {}
    for name in names:
        by_letters.setdefault(strip_marks(name), set()).add(name)
    return names, {k: frozenset(v) for k, v in by_letters.items()}


def correct_given_names(value: str) -> str:
    """A given or middle name that is no name ("Hãng", which Tesseract reads for "Hằng") becomes the one
    listed name with its letters. A word that is a name, a family name (middle names often are: "Nguyễn
    Trần Minh Khôi"), or has two listed readings ("Thủy", "Thúy", "Thùy") is left to a reviewer."""
    tokens = value.split()
    if len(tokens) < 2:
        return value
    names, by_letters = _given_names()
    surnames, lookalikes = _surnames()
    out = tokens[:1]
    for token in tokens[1:]:
        lead, core, trail = _EDGE.match(token).groups()  # type: ignore[union-attr]
        low = canonical_tone(core).lower()
        fits = by_letters.get(strip_marks(core), frozenset())
        if core.isalpha() and low not in names and low not in surnames and low not in lookalikes and len(fits) == 1:
            token = lead + _cased_like(core, next(iter(fits))) + trail
        out.append(token)
    return " ".join(out)


def correct_value(
    value: str,
    vocabulary: str | None,
    validator: str | None,
    notes: list[str] | None = None,
    provinces: frozenset[str] = frozenset(),
) -> str:
    """The value with its marks corrected as its field's kind allows; unchanged when nothing agrees. A
    change that is a guess adds its reason to ``notes``; ``provinces``: those the document names."""
    if validator == "person_name":
        family = correct_surname(value)
        given = correct_given_names(family)
        if notes is not None:
            notes += ["family_name_corrected"] * (family != value) + ["given_name_corrected"] * (given != family)
        return given
    if vocabulary in CLOSED_VOCABULARIES or vocabulary == "signer_titles":
        return correct_closed(value, vocabulary)
    if vocabulary == "places":
        fixed = " ".join(correct_tokens(value.split()))
        return correct_places(correct_house_number(fixed), place_field=True, notes=notes, provinces=provinces)
    if vocabulary == "admin_phrases":
        return correct_places(value, place_field=False, notes=notes, provinces=provinces)
    return value


def correct_fields(fields: dict[str, FieldValue], doc_type: DocType) -> None:
    """Correct the marks of a document's text fields in place; a changed field keeps what was read in ``raw``."""
    specs = {spec.key: spec for spec in doc_type.schema}
    texts = [f.value for f in fields.values() if isinstance(f, FieldValue) and isinstance(f.value, str)]
    provinces = frozenset(p for text in texts for p in gazetteer.provinces_in(text))
    for key, field in fields.items():
        spec = specs.get(key)
        if spec is None or spec.type not in ("str", "list") or not isinstance(field.value, str) or not field.value:
            continue
        notes: list[str] = []
        fixed = correct_value(field.value, spec.vocabulary, spec.validator, notes, provinces)
        if fixed != field.value:
            field.raw = field.raw if field.raw is not None else field.value
            field.value = fixed
            # a name or a place put right from a list is still a guess about this person or place: a reviewer looks
            field.reasons.extend(r for r in dict.fromkeys(notes) if r not in field.reasons)
