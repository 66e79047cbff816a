"""The error family: each error has a stable code, a plain message and what to do next.

Boundaries map them to exit codes (``sohoa.cli.common.GuardedGroup``), job states (``workers.jobs``)
or responses. ``BadInput`` errors mean the user's file is at fault (exit 2, dossier ``rejected``);
anything else is ours (exit 1, dossier ``failed``, resumable).
"""

from __future__ import annotations


class SohoaError(Exception):
    """Base of every error sohoa raises on purpose."""

    code: str = "internal"
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str = "", file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file

    def one_line(self) -> str:
        """The single stderr line: file, reason, what to do."""
        where = f"{self.file}: " if self.file else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


class BadInput(SohoaError):
    """The input cannot be accepted as it is."""

    code = "bad_input"
    exit_code = 2


class EmptyFile(BadInput):
    code = "empty_file"


class UnsupportedFormat(BadInput):
    code = "unsupported_format"


class BrokenPdf(BadInput):
    code = "broken_pdf"


class EncryptedPdf(BadInput):
    code = "encrypted_pdf"


class TooLarge(BadInput):
    code = "too_large"


class TooManyPages(BadInput):
    code = "too_many_pages"


class UnreadablePage(BadInput):
    code = "unreadable_page"


class ToolFailed(SohoaError):
    """An external tool (tesseract, pdftoppm, qpdf) failed or produced an empty result."""

    code = "tool_failed"


class StorageError(SohoaError):
    """The object store or the database refused an operation."""

    code = "storage"


class IntegrityError(StorageError):
    """Stored bytes do not match their recorded hash."""

    code = "integrity"


class SigningError(SohoaError):
    """Signing failed (key, certificate or PDF problem)."""

    code = "signing"


class SecretDocument(BadInput):
    """A document carries a secrecy mark (MẬT, TỐI MẬT, TUYỆT MẬT): the digitization rules forbid digitizing it.

    TT 03/2025/TT-VPCP Điều 5 k2 exempts secret documents from electronic copies, and the law on state
    secrets keeps them off ordinary systems, so the dossier is refused with this reason (exit 2).
    """

    code = "secret_document"


class BadPageSize(BadInput):
    """A page too small to carry the signature stamp, or absurdly large: refused at ingest, before storing."""

    code = "bad_page_size"


class UnsafeLink(BadInput):
    """A symbolic link in an input folder points outside it (or nowhere): an attack or a mistake, refused."""

    code = "unsafe_link"


class TooLong(BadInput):
    """Typed text (a field value, a reason, a name) longer than its kind allows."""

    code = "too_long"


class BadOutput(BadInput):
    """The output folder or file (``--out``) cannot receive the results: refused before any work."""

    code = "bad_output"


class NotAuthenticated(SohoaError):
    """No valid login, session or token: the web answers 401 and the login page."""

    code = "not_authenticated"


class Forbidden(SohoaError):
    """The person is known but may not do this or see this (role, scope, agency or owner): HTTP 403."""

    code = "forbidden"


class Conflict(SohoaError):
    """The request clashes with the current state (a name already taken): HTTP 409."""

    code = "conflict"
