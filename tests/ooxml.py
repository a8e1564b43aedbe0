"""A strict OOXML check for the files thidua writes (.xlsx, .xlam, .docx).

``problems(path)`` runs openxml-audit — a port of Microsoft's Open XML SDK
validator, the strictest OOXML validator on the package index: every part
against the ECMA-376 schemas as the SDK compiles them (with Office's
extensions), plus the SDK's semantic checks (relationships, content types,
references) — and returns its errors as readable lines. Warnings (work Excel
does silently on the next save) are not problems.

One kind of SDK error is not counted, because ECMA-376 allows what it
rejects and Excel opens such files without a word (``SDK_ONLY``).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

#: SDK findings that are not ECMA-376 violations, each with the reason.
SDK_ONLY = [
    # ECMA-376 Part 1 §18.8.22, sml.xsd: CT_Font is <xsd:choice maxOccurs="unbounded">
    # (any order); the SDK models it as a sequence. openpyxl writes name, family, b, …,
    # color, sz: every openpyxl workbook has it and Excel opens them without repair.
    (re.compile(r"/xl/styles\.xml$"), re.compile(r"/font\[\d+\]$"),
     re.compile(r"^Unexpected element '(b|i|strike|condense|extend|outline|shadow|u|vertAlign|"
                r"sz|color|name|family|charset|scheme)' found")),
]


@lru_cache(maxsize=1)
def _validator():
    from openxml_audit import FileFormat, OpenXmlValidator

    # Office 2010: the oldest Excel/Word the offices run; markup newer than it is flagged.
    return OpenXmlValidator(file_format=FileFormat.OFFICE_2010, max_errors=1000)


def _sdk_only(error) -> bool:
    return any(part.search(error.part_uri or "") and path.search(error.path or "")
               and text.search(error.description or "") for part, path, text in SDK_ONLY)


def problems(path: str | Path) -> list[str]:
    """The validator's errors for one file (``[]`` when Excel/Word would open it cleanly)."""
    from openxml_audit import ValidationSeverity

    result = _validator().validate(str(path))
    return [f"{Path(path).name} {e.part_uri} {e.path}: {e.description}"
            for e in result.errors
            if e.severity == ValidationSeverity.ERROR and not _sdk_only(e)]
