"""Text from files and people, made harmless before the CLI prints it.

A file name, a field value, a reason, an actor's name or an audit entry can carry terminal control
sequences (``ESC[2J`` clears the screen, OSC 8 makes a link, ``ESC]0;`` sets the title), bidirectional
overrides that show text in another order than it is stored (U+202E), or Rich markup (``[bold red]``) that
a Rich console would render. Everything user-derived that the CLI prints goes through ``shown`` (into a
Rich console) or ``plain`` (into a plain stream): control characters become visible escapes (``\\x1b``,
``\\u202e``) and markup is escaped, so what a clerk sees is what is stored. ``json_text`` does the same for
``--json`` output (still valid JSON: the characters become ``\\uXXXX`` escapes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.markup import escape

# C0 controls (ESC, CR, BS, ...), DEL and the C1 controls (U+009B is a one-character CSI on some terminals),
# the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What json.dumps leaves raw: it escapes C0 inside strings itself, and the newlines of its indentation stay.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def plain(value: object) -> str:
    """``value`` as text with every control or bidi character shown as an escape: for plain writes."""
    return _UNSAFE.sub(_visible, str(value))


def shown(value: object) -> str:
    """``plain(value)`` with Rich markup escaped: for a piece of text inside a Rich ``print``."""
    return escape(plain(value))


def json_text(data: Any, **dumps: Any) -> str:
    """``data`` as indented JSON (UTF-8 letters kept) in which no control or bidi character is left raw."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(data, ensure_ascii=False, indent=2, **dumps))
