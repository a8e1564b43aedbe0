"""Every file thidua writes passes the strict OOXML validator (tests/ooxml.py).

The add-in and the award documents are built fresh here (sample_workbooks/ holds
the same bytes once regenerated); the workbooks are checked as sample_workbooks/
has them. A failure is what Word or Excel would repair or refuse.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from tests.ooxml import problems
from thidua.addin.build import build_addin
from thidua.demo import individuals_path, sample_path
from thidua.documents import TEMPLATES, render_documents
from thidua.documents.templates import DIR as TEMPLATE_DIR
from thidua.engine import score
from thidua.plan import builtin_ids, load_plan
from thidua.table import read_units

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
WHEN = dt.datetime(2026, 11, 22, 8, 0, 0)
#: The demo's deliberate non-workbook among the returned files (a note saved as .xlsx).
NOT_A_WORKBOOK = "ghi-chu.xlsx"


def test_addin_is_valid(tmp_path):
    assert problems(build_addin(tmp_path, when=WHEN)) == []


@pytest.mark.parametrize("name", sorted(TEMPLATES.values()))
def test_word_templates_are_valid(name):
    assert problems(TEMPLATE_DIR / name) == []


@pytest.mark.parametrize("plan_id", builtin_ids())
def test_award_documents_are_valid(tmp_path, plan_id):
    plan = load_plan(plan_id)
    result = score(plan, read_units(sample_path(plan_id), plan))
    people = individuals_path(plan_id)
    done = render_documents(result, tmp_path, individuals=people if people.is_file() else None,
                            pdf=False, when=WHEN, backup=False)
    assert done.docx
    for path in done.docx:
        assert problems(path) == []


def test_sample_workbooks_are_valid():
    files = [p for p in sorted(SAMPLES.rglob("*.xlsx")) if p.name != NOT_A_WORKBOOK]
    assert len(files) > 100
    found = [line for path in files for line in problems(path)]
    assert found == [], "\n".join(found[:40])


def _rewrite(src: Path, dst: Path, part: str, change) -> Path:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info.filename)
            b.writestr(info.filename, change(data) if info.filename == part else data)
    return dst


def test_the_validator_catches_what_office_would_repair(tmp_path):
    """The check is not toothless: faults Word or Excel repair are reported."""
    docx = TEMPLATE_DIR / TEMPLATES["bao_cao"]
    assert problems(docx) == []
    # «true» where the SDK (and Word 2007) take only on/off; an element out of place.
    bad = _rewrite(docx, tmp_path / "a.docx", "word/document.xml",
                   lambda d: d.replace(b"<w:tblHeader/>", b'<w:tblHeader w:val="true"/>', 1))
    assert any("tblHeader" in line for line in problems(bad))
    bad = _rewrite(docx, tmp_path / "b.docx", "word/document.xml",
                   lambda d: d.replace(b"<w:body>", b"<w:body><w:jc w:val=\"left\"/>", 1))
    assert problems(bad)
    xlsx = SAMPLES / "nui-thanh-dvc-2023" / "so-tong-hop.xlsx"
    bad = _rewrite(xlsx, tmp_path / "c.xlsx", "xl/workbook.xml",
                   lambda d: d.replace(b"<sheets>", b"<sheets><sheet/>", 1))
    assert problems(bad)
    bad = _rewrite(xlsx, tmp_path / "e.xlsx", "[Content_Types].xml",
                   lambda d: d.replace(b"/xl/styles.xml", b"/xl/nothing.xml", 1))
    assert problems(bad)
