"""Text put into XML parts: ``&``, ``<`` and ``>`` escaped (and ``"`` in attributes).

The same as ``xml.sax.saxutils.escape``, whose module imports ``urllib.request``
(a fifth of a re-run of ``thidua consolidate`` with nothing new spent importing it).
"""
from __future__ import annotations


def escape(text: str) -> str:
    """``text`` as element content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """``text`` inside a double-quoted attribute."""
    return escape(text).replace('"', "&quot;")
