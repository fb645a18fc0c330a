"""The papers as PDF: their HTML printed by WeasyPrint (A4, page numbers, running footer)."""

from __future__ import annotations

from ndrc_rules.common.errors import InputFileError


def pdf(html: str) -> bytes:
    """The PDF of a paper's HTML; F066 when WeasyPrint cannot run here (its system
    libraries, Pango, missing)."""
    try:
        from weasyprint import HTML
    except OSError as error:  # WeasyPrint loads Pango with ctypes: a missing library
        raise InputFileError("F066", {"reason": str(error)}) from None
    written: bytes = HTML(string=html).write_pdf()
    return written
