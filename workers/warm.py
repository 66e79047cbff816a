"""Getting signing ready while pages run, so the fan-in does not wait for it.

Signing needs pyHanko's modules, the signer's key (a PKCS#12 unlock and an RSA key check) and the stamp
font. Loaded before the pages, they would be serial time at the start of
every ``sohoa process``, and copied into each page worker that never uses them. Loaded in a thread once
the page pool has forked (the first finished page), they take what the page workers leave of the
cores: the thread runs at a lower priority (Linux gives each thread its own nice value).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading

from sohoa.settings import Settings

log = logging.getLogger("sohoa.warm")
NICE = 10


def warm_signing(settings: Settings) -> None:
    """Import signing and open the file-based signer once (both are kept per process); never raises.

    A queue worker calls it at start: its jobs, run in its process or forked from it, find them loaded.
    """
    try:
        for module in ("signing.approval", "signing.inputs"):  # into the module cache
            importlib.import_module(module)
        from signing.fonts import stamp_font_bytes
        from signing.keys import signer_from_settings, signer_kind
        from signing.sign import STAMP_FONT

        if STAMP_FONT.is_file():
            stamp_font_bytes(str(STAMP_FONT))
        kind = signer_kind(settings)
        # A token session is opened by signing itself; the development key is only loaded, never made here:
        # a dossier that needs no signature (a signed scan kept as it is) must not leave a key behind.
        if kind == "pkcs12" or (kind == "dev" and (settings.keys_dir / "dev-signer" / "signer.p12").is_file()):
            signer_from_settings(settings)._key()  # type: ignore[attr-defined]
    except Exception as exc:  # signing meets the same problem and reports it properly
        log.debug("warming signing up failed: %s", exc)


def warm_pipeline() -> None:
    """Build the vocabularies and label patterns that page jobs and the fan-in would build on first use.

    A queue worker calls it at start. Forking per job (``SOHOA_FORK_JOBS``), each job's process would
    otherwise build them again and lose them when it ends; run in the worker's process, they are ready for
    the first job.
    """
    from pipeline import field_flags, field_marks, labels, postcorrect
    from pipeline.doctypes import DOC_TYPES

    field_flags.load_vocabularies()
    postcorrect.load_vocabularies()
    field_marks.load_vocabularies()
    labels.compile_patterns(DOC_TYPES)


class SigningWarmer:
    """``start()`` it as often as convenient; it runs ``warm_signing`` once, in a daemon thread."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._thread: threading.Thread | None = None

    def join(self) -> None:
        """Wait until it is done: two threads importing pyHanko at once can break its circular imports
        (``KeyError: 'pyhanko.sign'`` was seen), so signing starts only after this."""
        if self._thread is not None:
            self._thread.join()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="warm")
            self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)  # this thread only
        warm_signing(self._settings)
