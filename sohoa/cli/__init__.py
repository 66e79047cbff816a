"""The `sohoa` command: thin commands over ``workers.service``, grouped by who uses them.

Exit codes: 0 success (also when fields wait for review), 2 bad input (one line on stderr, nothing
written), 1 internal error; errors become exit codes in one place (``common.GuardedGroup``). Everything a
file or a person wrote is printed through ``sohoa.terminal`` (control characters escaped, Rich markup
disabled), and files are created private (``main``: umask 077).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

import typer

from sohoa.cli import audit, procedures, processing, queue, results, review, serve, signing, storage, users
from sohoa.cli.common import GuardedGroup

app = typer.Typer(
    help=(
        "sohoa: số hóa hồ sơ thủ tục hành chính. Turns scanned Vietnamese dossiers into signed, searchable "
        "PDFs and structured results.\n\nStart with: sohoa process SCAN.pdf --out OUT_DIR"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=GuardedGroup,
)
# pyHanko logs a full traceback as a WARNING for every untrusted certificate (always, for the development
# key); the verdict already says so in plain words, so only its errors reach the terminal.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)
# pyHanko imports cryptography's DSA class, which warns on every import: noise on a desk clerk's screen, and
# it broke the one-line error of bad input (DSA is never used: keys are RSA or EC, signing.keys).
warnings.filterwarnings("ignore", message="DSA is deprecated")


for command in (
    processing.process,
    processing.check,
    processing.samples,
    signing.verify,
    signing.publish,
    *queue.COMMANDS,
    serve.serve,
):
    app.command()(command)
app.add_typer(signing.sign_app, name="sign", no_args_is_help=True)
app.add_typer(review.review_app, name="review", no_args_is_help=True)
app.add_typer(results.results_app, name="results", no_args_is_help=True)
app.add_typer(procedures.procedures_app, name="procedures", no_args_is_help=True)
app.add_typer(audit.audit_app, name="audit", no_args_is_help=True)
app.add_typer(storage.storage_app, name="storage", no_args_is_help=True)
app.add_typer(users.users_app, name="users", no_args_is_help=True)


def main() -> None:
    """Entry point of the ``sohoa`` command and ``python -m sohoa``: run the command, then leave at once.

    Why not a normal exit: once a command has loaded signing, the database layer and OpenCV, Python's own
    teardown (freeing every module one by one) is a noticeable part of what a desk clerk waits for
    (``benchmarks/ocr.py``). Everything a command writes is complete by then: outputs are renamed into place
    whole, the database has committed, page processes are stopped by the command itself. So the standard
    streams and the logs are flushed and the process ends with ``os._exit``. An exception that escapes the
    command still exits the normal way.
    """
    os.umask(0o077)  # data files 0600 and folders 0700: scans, page images and results are personal data
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): printed as Python would
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (sohoa ... | head): nothing more to write
            stream.flush()
    os._exit(code)
