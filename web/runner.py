"""The embedded mode's background work: dossiers handed in through the web are digitized in this process.

Why a thread and one at a time: the embedded mode has no queue and no worker; a dossier's pages already
run in parallel (``workers.stages``), so two dossiers at once would only fight over the same cores. A
dossier that was received or processing when the server stopped is taken again when it starts.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.service import Service

log = logging.getLogger("sohoa.web.runner")


class Runner:
    """One daemon thread that digitizes the dossier codes put to it, in order, each once."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._codes: queue.Queue[str | None] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread and queue the dossiers an earlier server left unfinished."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sohoa-embedded", daemon=True)
            self._thread.start()
        for code in self.service.unfinished():
            self.put(code)

    def put(self, code: str) -> None:
        """Queue a dossier (once, however often it is put while waiting)."""
        with self._lock:
            if code in self._pending:
                return
            self._pending.add(code)
        self._codes.put(code)

    def idle(self) -> bool:
        """Whether nothing waits or runs."""
        with self._lock:
            return not self._pending

    def stop(self) -> None:
        """Let the thread end after the dossier in hand."""
        self._codes.put(None)

    def _loop(self) -> None:
        while (code := self._codes.get()) is not None:
            try:
                state = self.service.process_recorded(code)
                log.info("dossier %s: %s", code, state)
            except Exception as exc:  # the dossier's state records the failure; the thread goes on
                log.warning("dossier %s: %s", code, type(exc).__name__)
            finally:
                with self._lock:
                    self._pending.discard(code)
