"""Award documents through LibreOffice Writer: PDF, A4, every name on the page, PNG to look at.

Writes ``test-artifacts/van-ban/<plan>/`` (.docx, .pdf and one PNG per page) for
every seed plan, so a person can look at the pages. Needs LibreOffice with
Writer (``libreoffice-writer-nogui``) and poppler-utils.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.libreoffice import in_ci, pdftoppm_or_skip, soffice_or_skip
from thidua.demo import individuals_path, sample_path
from thidua.documents import TEMPLATES, render_documents, writer_available
from thidua.engine import score
from thidua.plan import builtin_ids, load_plan
from thidua.table import read_units
from thidua.workbook.recalc import to_png

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "van-ban"


def writer_or_skip() -> None:
    soffice_or_skip()
    pdftoppm_or_skip()
    if not writer_available():
        reason = ("Thiếu LibreOffice Writer: không chuyển được văn bản sang PDF. Cài: apt-get install "
                  "libreoffice-writer-nogui")
        if in_ci():
            pytest.fail(f"{reason} [biến CI đã đặt nên không được bỏ qua]", pytrace=False)
        pytest.skip(reason)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("thiếu pdftotext (poppler-utils)")
    return subprocess.run([exe, str(pdf), "-"], capture_output=True, check=True, text=True).stdout


@pytest.fixture(scope="module")
def pdfs():
    writer_or_skip()
    out = {}
    for pid in builtin_ids():
        folder = ARTIFACTS / pid
        if folder.exists():
            shutil.rmtree(folder)
        plan = load_plan(pid)
        result = score(plan, read_units(sample_path(pid), plan))
        people = individuals_path(pid)
        done = render_documents(result, folder, individuals=people if people.is_file() else None,
                                pdf=True, when=dt.datetime(2026, 11, 22, 8), backup=False)
        pages = {pdf.stem: to_png(pdf, folder, dpi=80) for pdf in done.pdf}
        out[pid] = (result, done, pages)
    return out


def test_every_document_becomes_a_pdf_and_pages(pdfs):
    for pid, (_, done, pages) in pdfs.items():
        assert [p.stem for p in done.pdf] == [p.stem for p in done.docx], pid
        for pdf in done.pdf:
            assert pdf.stat().st_size > 5000
            assert pages[pdf.stem], (pid, pdf.name)
            assert all(png.stat().st_size > 1000 for png in pages[pdf.stem])


def test_pages_are_a4_with_the_fonts_embedded(pdfs):
    info, fonts = shutil.which("pdfinfo"), shutil.which("pdffonts")
    if not info or not fonts:
        pytest.skip("thiếu pdfinfo/pdffonts (poppler-utils)")
    for pid, (_, done, _) in pdfs.items():
        for pdf in done.pdf:
            meta = subprocess.run([info, str(pdf)], capture_output=True, text=True, check=True).stdout
            assert "(A4)" in meta, (pid, pdf.name)
            table = subprocess.run([fonts, str(pdf)], capture_output=True, text=True, check=True).stdout
            rows = table.splitlines()[2:]
            assert rows and all(" yes " in r for r in rows), (pid, pdf.name, table)
            # Times New Roman or its metric twin (Liberation Serif) — never a sans fallback
            assert all(("Times" in r or "LiberationSerif" in r) for r in rows), table


def test_nothing_is_cut_off(pdfs):
    """Every unit, award and amount of the .docx is on the printed pages."""
    for pid, (result, done, _) in pdfs.items():
        texts = {pdf.stem: pdf_text(pdf) for pdf in done.pdf}
        report = squeeze(texts[Path(TEMPLATES["bao_cao"]).stem])
        assert squeeze("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in report
        assert squeeze("Độc lập - Tự do - Hạnh phúc") in report
        for name in result.frame["ten_don_vi"]:
            assert squeeze(name) in report, (pid, name)
        if Path(TEMPLATES["quyet_dinh"]).stem in texts:
            decision = squeeze(texts[Path(TEMPLATES["quyet_dinh"]).stem])
            for row in result.frame.itertuples(index=False):
                if row.giai:
                    assert squeeze(row.ten_don_vi) in decision, (pid, row.ten_don_vi)
            total = result.money_total()
            if total:
                from thidua.documents.words import money_in_words
                from thidua.text import format_number
                words = money_in_words(total)
                assert squeeze(f"{format_number(total, 0)} đồng ({words.removesuffix(' chẵn')})") \
                    in decision
                assert squeeze(f"Bằng chữ: {words}") in decision  # the annex table
            assert squeeze("PHÓ CHỦ TỊCH") in decision
        if Path(TEMPLATES["ca_nhan"]).stem in texts:
            people = squeeze(texts[Path(TEMPLATES["ca_nhan"]).stem])
            for line in individuals_path(pid).read_text(encoding="utf-8").splitlines()[1:]:
                assert squeeze(line.split(",")[0]) in people
