"""Object keys: how every stored file is named, and the check that keeps keys safe.

Keys are built from ids and hashes only, never from user file names (those stay in the database as
data). They are derived from the dossier, the stage and the sha256 of the stage's *input*, so a job
that runs twice asks for the same key and the store's put-if-absent makes its effect happen once.
The output's own hash cannot be the key: a signed PDF differs on every signing.

The scheme::

    originals/<sha256>                                  an input file, byte-exact, shared by dossiers
    dossiers/<dossier code>/pages/<nnnn>.jpg            the upright page image shown to reviewers
    dossiers/<dossier code>/pages/<nnnn>.grey.jpg       the grey reading image (second readings of fields)
    dossiers/<dossier code>/results/<result code>.pdf   a document's signed searchable PDF
    dossiers/<dossier code>/results/<result code>/<kind>-<sha256>.pdf
                                                        a later version of it (published, ltv), named by
                                                        the result and the hash of the version before
    dossiers/<dossier code>/<dossier code>.json         the dossier's result JSON (sohoa.result/1)
    dossiers/<dossier code>/<stage>/<input sha256><ext> any other stage artefact

Keys are ``/``-separated relative paths. Each segment starts with a letter, digit or ``_`` and
holds only ``A-Z a-z 0-9 . _ -``, so ``..``, hidden names, absolute paths and backslashes can never
reach outside the store's root, and the same key is valid on a local folder and on S3.
"""

from __future__ import annotations

import re

from sohoa.errors import StorageError

MAX_KEY_BYTES = 1024  # S3's limit; keep local keys portable.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,254}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STAGE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_EXT = re.compile(r"(\.[A-Za-z0-9]{1,10}){0,2}")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe object key, else raise ``StorageError``."""
    if not isinstance(key, str) or not key:
        raise StorageError(f"invalid object key {key!r}: empty")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise StorageError(f"invalid object key {key[:40]!r}...: longer than {MAX_KEY_BYTES} bytes")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise StorageError(
                f"invalid object key {key!r}: segment {segment!r} must start with a letter, digit or _"
                " and use only A-Z a-z 0-9 . _ - (no '..', leading '/', '//' or backslash)"
            )
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key (optionally ending in ``/``) or the start of one."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def _sha(value: str) -> str:
    if not _SHA256.fullmatch(value):
        raise StorageError(f"not a lowercase hex sha256: {value!r}")
    return value


def original_key(sha256: str) -> str:
    """Key of an input file: content-addressed, so one upload serves every dossier that holds it."""
    return f"originals/{_sha(sha256)}"


def dossier_prefix(dossier_code: str) -> str:
    """Every object of one dossier lives under this prefix."""
    return validate_key(f"dossiers/{dossier_code}") + "/"


def page_image_key(dossier_code: str, number: int) -> str:
    """The colour page image (upright, deskewed), 1-based page number within the dossier."""
    if number < 1:
        raise StorageError(f"page numbers start at 1, got {number}")
    return validate_key(f"dossiers/{dossier_code}/pages/{number:04d}.jpg")


def page_grey_image_key(dossier_code: str, number: int) -> str:
    """The page's grey reading image (coloured ink suppressed), kept for second readings on any machine."""
    return page_image_key(dossier_code, number).removesuffix(".jpg") + ".grey.jpg"


def result_pdf_key(dossier_code: str, result_code: str) -> str:
    """A document's signed searchable PDF; the result code already names the dossier."""
    return validate_key(f"dossiers/{dossier_code}/results/{result_code}.pdf")


def result_version_key(dossier_code: str, result_code: str, kind: str, previous_sha256: str) -> str:
    """A later version of a result's PDF (``published``, ``ltv``): named by the result it belongs to and the
    sha256 of the version it was made from, so a re-run finds its own object and two results can never
    share one, even when their earlier PDFs had the same bytes."""
    if not _STAGE.fullmatch(kind):
        raise StorageError(f"invalid version kind {kind!r}")
    return validate_key(f"dossiers/{dossier_code}/results/{result_code}/{kind}-{_sha(previous_sha256)}.pdf")


def result_json_key(dossier_code: str) -> str:
    """The dossier's result JSON, the file ``sohoa process --out`` writes as ``<code>.json``."""
    return validate_key(f"dossiers/{dossier_code}/{dossier_code}.json")


def stage_key(dossier_code: str, stage: str, input_sha256: str, ext: str = "") -> str:
    """Any other artefact of a stage, named by the sha256 of what the stage read.

    ``ext`` is a suffix such as ``.pdf`` or ``.hocr.json``.
    """
    if not _STAGE.fullmatch(stage):
        raise StorageError(f"invalid stage name {stage!r}")
    if not _EXT.fullmatch(ext):
        raise StorageError(f"invalid extension {ext!r}")
    return validate_key(f"dossiers/{dossier_code}/{stage}/{_sha(input_sha256)}{ext}")
