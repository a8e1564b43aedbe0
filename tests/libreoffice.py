"""Test helpers for the LibreOffice recalculation harness.

    from tests.libreoffice import soffice_or_skip, pdftoppm_or_skip, soffice  # noqa: F401

``soffice_or_skip()`` returns the path of ``soffice``; when LibreOffice is not
installed it skips the test, except when the ``CI`` environment variable is set
(CI must never silently skip the spreadsheet proof), where it fails instead.
Importing the ``soffice`` fixture into a test module makes it usable there.
"""
from __future__ import annotations

import os

import pytest

from thidua.workbook.recalc import find_pdftoppm, find_soffice

INSTALL_HINT = ("apt-get install libreoffice-calc-nogui poppler-utils fonts-dejavu-core "
                "(python3 tasks.py test tự cài khi chạy với quyền root)")


def in_ci() -> bool:
    """True when the ``CI`` variable is set (any value but empty, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing(what: str) -> None:
    reason = f"Thiếu {what}: không kiểm được bảng tính bằng LibreOffice. Cài: {INSTALL_HINT}"
    if in_ci():
        pytest.fail(f"{reason} [biến CI đã đặt nên không được bỏ qua]", pytrace=False)
    pytest.skip(reason)


def soffice_or_skip() -> str:
    """Path of soffice, or skip the test (fail it under CI)."""
    exe = find_soffice()
    if exe is None:
        _missing("LibreOffice (soffice)")
    return exe  # type: ignore[return-value]


def pdftoppm_or_skip() -> str:
    """Path of pdftoppm, or skip the test (fail it under CI)."""
    exe = find_pdftoppm()
    if exe is None:
        _missing("pdftoppm (poppler-utils)")
    return exe  # type: ignore[return-value]


@pytest.fixture
def soffice() -> str:
    """Fixture form of :func:`soffice_or_skip`."""
    return soffice_or_skip()
