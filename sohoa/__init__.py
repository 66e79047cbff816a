"""sohoa: scanned Vietnamese administrative dossiers into signed, searchable PDFs and reusable results.

This package is the shared kernel: ``sohoa.settings`` and ``sohoa.errors`` are the only modules other
components import. ``sohoa.cli`` is the command-line boundary and is imported by nobody.
"""

__version__ = "0.1.0"
