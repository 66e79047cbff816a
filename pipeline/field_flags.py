"""Flag the fields a reviewer must look at, and say why: validators, vocabularies, disagreements, missing ones.

Tesseract's confidence does not reveal a wrong tone mark, so confidence alone cannot decide. A field
needs review when its validator fails, when a value meets a vocabulary only *nearly* (same letters,
other marks: "Hà Nôi" for "Hà Nội", "SỞ TỬ PHÁP"), when it disagrees with another field (the ID's
birth year and sex digit, a birth after the issue date), or when a required field is missing. The
second reading of a field's region (``pipeline.second_reading``) adds its own reason beside signing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, lru_cache
from importlib import resources

from pipeline import validators
from pipeline.doctypes import DocType
from pipeline.models import FieldValue
from pipeline.normalize import canonical_tone, fold_words, match_key
from pipeline.postcorrect import vocabulary as syllable_vocabulary
from pipeline.signer import applicant_title
from pipeline.vocab import (
    DOC_TYPE_NAMES,
    ETHNIC_GROUPS,
    HEADS_WITH_SUPERIOR,
    PHRASES,
    PLACES,
    SIGNER_TITLES,
    SURNAMES,
)

# Initial consonant, one to three vowels, final consonant: the shape of every Vietnamese syllable (no marks).
SYLLABLE_SHAPE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?"
)
PhraseIndex = dict[tuple[str, ...], frozenset[tuple[str, ...]]]


def _words(text: str) -> list[str]:
    """Match keys of the words of a text, punctuation around them dropped."""
    words = (w.strip(".,;:()\"'") for w in match_key(text).replace("-", " ").split())
    return [w for w in words if w]


def _index(phrases: Iterable[str], *, min_words: int = 1) -> PhraseIndex:
    """Phrases by their folded words, each with the spellings (match keys) the vocabulary allows."""
    out: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = _words(phrase)
        folded = tuple(fold_words(w) for w in words)
        if len(folded) >= min_words and all(folded):
            out.setdefault(folded, set()).add(tuple(words))
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _admin_phrases() -> PhraseIndex:
    text = resources.files("pipeline").joinpath("data/vi_admin_phrases.txt").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return _index([*lines, *DOC_TYPE_NAMES, *PLACES, *SIGNER_TITLES], min_words=2)


@lru_cache(maxsize=1)
def _places() -> PhraseIndex:
    return _index(PLACES)


@lru_cache(maxsize=1)
def _ethnic() -> PhraseIndex:
    return _index(ETHNIC_GROUPS)


def near_miss(value: str, index: PhraseIndex) -> bool:
    """True when a run of words folds like a vocabulary phrase but is spelled with other marks.

    The longest phrase wins at each position; a one-word phrase counts only for a one-word value
    ("Huê" for "Huế"), since one word alone ("Vinh" in "Vĩnh Long") is too common to judge.
    """
    words = _words(value)
    folded = [fold_words(w) for w in words]
    longest = max((len(k) for k in index), default=0)
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            if n == 1 and len(words) > 1:
                break
            spellings = index.get(tuple(folded[i : i + n]))
            if spellings is None:
                continue
            if tuple(words[i : i + n]) not in spellings:
                return True
            i += n - 1
            break
        i += 1
    return False


@lru_cache(maxsize=1)
def _syllables() -> tuple[frozenset[str], frozenset[str]]:
    """(Vietnamese syllables in the canonical tone style, their mark-less forms).

    hunspell-vi's list lacks some place syllables ("huế", "đắk", "kạn"), so the words of the
    vocabularies here are added to it.
    """
    _, by_base = syllable_vocabulary()
    words = {canonical_tone(s) for group in by_base.values() for s in group}
    for phrase in (*PLACES, *DOC_TYPE_NAMES, *SIGNER_TITLES, *ETHNIC_GROUPS):
        words.update(canonical_tone(w) for w in phrase.lower().replace("-", " ").split())
    return frozenset(words), frozenset(fold_words(w) for w in words)


def known_syllable(word: str) -> bool:
    """The word is a Vietnamese syllable of the list or of a vocabulary, in either tone style."""
    return canonical_tone(word).lower() in _syllables()[0]


def syllables_ok(value: str) -> bool:
    """Every word could be a Vietnamese syllable: "CHÍMINH" (two run together), "Nguyẽn" (a mark that
    makes no syllable) or "Nguyen" (marks lost) cannot.

    A word the syllable list lacks passes when its letters have the shape of a syllable and no listed
    syllable has them ("Duẩn"); words without a vowel (QĐ, HĐND) or spelling no syllable (UBND) are not
    judged.
    """
    known, bases = _syllables()
    for raw in canonical_tone(value).lower().split():
        word = raw.strip(".,;:()\"'")
        base = fold_words(word).lower()
        if not word.isalpha() or not any(c in "aeiouy" for c in base) or word in known:
            continue
        if base.upper() in bases or (not word.isascii() and not SYLLABLE_SHAPE.fullmatch(base)):
            return False
    return True


@lru_cache(maxsize=1)
def _surnames() -> PhraseIndex:
    return _index(SURNAMES)


def person_name_ok(value: str) -> bool:
    """Syllables, and a known family name first, spelled as family names are ("Ngõ Minh Quân" is "Ngô"
    misread). A name that opens with no family name lost it: a seal over "Dương Văn Nghĩa" leaves
    "Văn Nghĩa", which reads well and would otherwise pass for a whole name."""
    words = _words(value)
    if len(words) < 2 or not syllables_ok(value) or near_miss(words[0], _surnames()):
        return False
    folded = [fold_words(w) for w in words]
    if folded[0] == "Y" or re.match(r"H'", words[0], re.IGNORECASE):
        return True  # Ê Đê and M'nông names open with "Y" or "H'" and end with the family name ("Y Moan Niê")
    return (folded[0],) in _surnames() or tuple(folded[:2]) in _surnames()


@cache
def _phrases(name: str) -> PhraseIndex:
    return _index(PHRASES[name])


def load_vocabularies() -> None:
    """Build every index the checks read, now rather than on first use.

    Why: a queue worker that forks a process per job (``SOHOA_FORK_JOBS``) would lose what a job builds
    lazily when the job ends; built once in the worker first, every job inherits them (~0.1 s a fan-in).
    """
    for index in (_admin_phrases, _places, _ethnic, _syllables, _surnames):
        index()
    for name in PHRASES:
        _phrases(name)


def _phrase_check(name: str) -> Callable[[str], bool]:
    return lambda v: not near_miss(v, _phrases(name)) and not near_miss(v, _admin_phrases()) and syllables_ok(v)


def signer_title_ok(value: str) -> bool:
    """An official's title is one of the list; a citizen's title over a signing hint need not be
    ("NGƯỜI LÀM TỜ KHAI"), but it is read unsnapped, so every word must be a known Vietnamese syllable
    ("KHAl", "NGUOI" are not) and no listed phrase may fold like it with other marks ("NGƯỜI VIÊT ĐƠN")."""
    if value in SIGNER_TITLES:
        return True
    words = value.strip(" .,:;").split()
    return applicant_title(value) and all(known_syllable(w) for w in words) and not near_miss(value, _admin_phrases())


VOCABULARIES: dict[str, Callable[[str], bool]] = {
    "signer_titles": signer_title_ok,
    "places": lambda v: not near_miss(v, _places()) and syllables_ok(v),
    "admin_phrases": lambda v: not near_miss(v, _admin_phrases()) and syllables_ok(v),
    "ethnic_groups": lambda v: not near_miss(v, _ethnic()) and syllables_ok(v),
    "syllables": syllables_ok,
    "person_names": person_name_ok,
    **{name: _phrase_check(name) for name in PHRASES},
}


def _add(field: FieldValue | None, *reasons: str) -> None:
    if field is None:
        return
    for reason in reasons:
        if reason not in field.reasons:
            field.reasons.append(reason)


def _value(fields: dict[str, FieldValue], key: str) -> str | None:
    field = fields.get(key)
    return field.value if field else None


def _needs_superior(issuer: str) -> bool:
    folded = fold_words(issuer)
    heads = (fold_words(h) for h in HEADS_WITH_SUPERIOR)
    return any(folded == h or folded.startswith(h + " ") for h in heads)


def cross_check(fields: dict[str, FieldValue]) -> None:
    """Fields that must agree: ID digits with birth year and sex, dates in order, the dossier code's date."""
    pid, birth = _value(fields, "personal_id"), _value(fields, "birth_date") or _value(fields, "birth_year")
    if pid and validators.check_personal_id(pid) == []:
        mismatch = validators.check_personal_id(pid, birth_date=birth, gender=_value(fields, "gender"))
        _add(fields["personal_id"], *mismatch)
    issue = _value(fields, "issue_date")
    if issue and birth and len(birth) == 10 and birth >= issue:
        _add(fields.get("birth_date"), "birth_after_issue")
    due = _value(fields, "due_date")
    if issue and due and due < issue:
        _add(fields.get("due_date"), "due_before_issue")
    first, change = _value(fields, "first_registration_date"), _value(fields, "change_date")
    if first and change and change < first:
        _add(fields.get("change_date"), "change_before_first_registration")
    expiry = _value(fields, "expiry_date")
    if issue and expiry and expiry <= issue:
        _add(fields.get("expiry_date"), "expiry_before_issue")
    code = _value(fields, "dossier_code")
    if code and issue and validators.dossier_code_date(code) not in (None, issue):
        _add(fields.get("dossier_code"), "dossier_code_date_mismatch")


# Characters no printed name, address or title carries; OCR makes them of digits and letters ("Số 8]").
ODD_CHARACTERS = re.compile(r"[\[\]{}|\\<>@#$%^*_=~`¢£¥§¶]")


def flag_fields(fields: dict[str, FieldValue], doc_type: DocType, *, today: date | None = None) -> None:
    """Add reason codes to the fields (in place), add missing required ones, and set each status."""
    for spec in doc_type.schema:
        field = fields.get(spec.key)
        if field is None or field.value is None:
            continue
        if ODD_CHARACTERS.search(field.value):
            _add(field, "unexpected_character")
        if spec.type == "str":
            _add(field, *validators.check_debris(field.value))
        _add(field, *validators.validate(spec.validator, field.value, today=today))
        if spec.vocabulary and not VOCABULARIES[spec.vocabulary](field.value):
            _add(field, "not_in_vocabulary")
    cross_check(fields)
    issuer = _value(fields, "issuing_agency")
    if issuer and "superior_agency" in doc_type.fields and "superior_agency" not in fields and _needs_superior(issuer):
        fields["superior_agency"] = FieldValue(None, None, 0.0, None, None, reasons=["missing"])
    for spec in doc_type.schema:
        if spec.required and spec.key not in fields:
            fields[spec.key] = FieldValue(None, None, 0.0, None, None, reasons=["missing"])
        elif spec.key in fields and fields[spec.key].value is None and not fields[spec.key].reasons:
            _add(fields[spec.key], "unreadable")
    for field in fields.values():
        field.status = "needs_review" if field.reasons else "extracted"
