"""The main job on built-in sample data, for every seed plan.

Writes, under ``sample_workbooks/<plan>/``: the plan as a plan workbook
(``ke-hoach.xlsx``), the unit list form
(``danh-sach-don-vi.xlsx``), one template per sample unit (``mau-don-vi/``),
the office's master filled with the sample figures (``so-tong-hop.xlsx``),
the results (``ket-qua.xlsx``, ``ket-qua.json``) and the award documents
(``van-ban/``: Tờ trình, Quyết định, Báo cáo kết quả, danh sách cá nhân; .docx
only, as PDFs are not reproducible). With a fixed time the
files are byte-for-byte reproducible, so a test can tell when they are stale.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from thidua.addin.build import build_addin
from thidua.documents import render_documents
from thidua.consolidate.collect import consolidate
from thidua.consolidate.importstats import import_stats
from thidua.demo_returns import simulate_returns
from thidua.engine import score
from thidua.fileio import atomic_write
from thidua.output.results_xlsx import write_results
from thidua.plan import builtin_ids, load_plan
from thidua.data import load_data
from thidua.workbook.contract import REPORT_SHEET, appraisal_name
from thidua.units import read_unit_list, write_units_template
from thidua.workbook.generate import generate_templates
from thidua.workbook.master import write_master
from thidua.text import format_money

SAMPLES = Path(__file__).resolve().parent / "samples"
STATS_EXPORTS = {"nui-thanh-dvc-2023": "nui-thanh-thong-ke.xlsx",  # portal statistics exports
                 "chi-so-766-2025": "chi-so-766-thang-10-2025.xlsx"}
SAMPLE_TIME = dt.datetime(2026, 11, 22, 8, 0, 0)


def sample_path(plan_id: str) -> Path:
    return SAMPLES / f"{plan_id}.csv"


def individuals_path(plan_id: str) -> Path:
    """Sample list of individuals proposed for awards (plans with ``individuals:``)."""
    return SAMPLES / f"{plan_id}-ca-nhan.csv"


def sample_time() -> dt.datetime:
    """Generation time stamped on sample outputs: fixed, so they are reproducible.

    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) overrides it.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)
    return SAMPLE_TIME


def master_units(plan, frame) -> list[dict]:
    """The sample table's rows as the master expects them (figures included)."""
    codes = list(frame.columns)
    records = []
    for row in frame[codes].to_dict("records"):
        records.append({k: v for k, v in row.items()
                        if not (isinstance(v, float) and v != v)})
    return records


def write_plan_workbook(plan_id: str, path: Path, when: dt.datetime) -> Path:
    """The plan as a plan workbook an office edits in Excel (``thidua plan export``);
    a plan written only as a workbook is copied as it is."""
    from thidua.plan.load import is_workbook, load_raw, resolve
    from thidua.plan.xlsxwrite import write_workbook

    source = resolve(plan_id)
    if is_workbook(source):
        atomic_write(path, lambda tmp: shutil.copyfile(source, tmp))
        return path
    raw, _name = load_raw(plan_id)
    return write_workbook(raw, path, backup=False, now=when)


def run_demo(out_dir: Path, quiet: bool = False) -> int:
    say = (lambda *a, **k: None) if quiet else print
    out_dir.mkdir(parents=True, exist_ok=True)
    when = sample_time()
    say(f"Chạy mẫu cho {len(builtin_ids())} kế hoạch → {out_dir}/")
    for plan_id in builtin_ids():
        plan = load_plan(plan_id)
        table = load_data(plan, sample_path(plan_id)).table
        folder = out_dir / plan_id
        folder.mkdir(exist_ok=True)
        write_plan_workbook(plan_id, folder / "ke-hoach.xlsx", when)
        write_units_template(plan, folder / "danh-sach-don-vi.xlsx", backup=False, now=when)
        templates = folder / "mau-don-vi"
        if templates.exists():
            shutil.rmtree(templates)  # regenerated whole: the sample units may have changed
        units = read_unit_list(sample_path(plan_id), plan)
        generate_templates(plan, units, templates, now=when, workers=1, backup=False)
        # The office's master starts with the unit list only; the figures come back from the
        # units (their filled templates, typical mistakes included) — or, for Núi Thành, from
        # the online-service system's statistics export.
        records = master_units(plan, table.frame)
        master = folder / "so-tong-hop.xlsx"
        # the office's own entries go into the master: appraisals, a special unit's hand total
        office = ["ma_don_vi", "ten_don_vi", "nhom", "cap", "nam"]
        office += [i.code for i in plan.inputs if i.office_only]
        office += [appraisal_name(i.code) for i in plan.inputs] if plan.self_scored else []
        write_master(plan, [{k: r[k] for k in office if k in r} for r in records], master,
                     backup=False, now=when)
        if plan.stats_import:
            report = import_stats(plan, SAMPLES / STATS_EXPORTS[plan_id], master, backup=False,
                                  now=when, report_csv=folder / "bao-cao-tong-hop.csv")
        else:
            simulate_returns(plan, templates, records, folder / "nhan-ve", when)
            report = consolidate(plan, folder / "nhan-ve", master, backup=False, now=when,
                                 report_csv=folder / "bao-cao-tong-hop.csv")
        say(f"• {plan_id}: {report.summary()}")
        data = load_data(plan, master)
        table = data.table
        result = score(plan, table, year=data.year)
        write_results(result, folder / "ket-qua.xlsx", backup=False, now=when)
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
        atomic_write(folder / "ket-qua.json", lambda p: p.write_text(text, encoding="utf-8"))
        documents = folder / "van-ban"
        if documents.exists():
            shutil.rmtree(documents)  # regenerated whole (.docx only: PDFs are not reproducible)
        people = individuals_path(plan_id)
        written = render_documents(result, documents, individuals=people if people.is_file() else None,
                                   pdf=False, when=when, backup=False)
        eligible = int(result.frame["du_dieu_kien"].sum())
        prizes = int(result.frame["giai"].notna().sum())
        line = f"  {len(table)} đơn vị, {eligible} đủ điều kiện"
        if plan.prize_sets:
            line += f", {prizes} đơn vị được khen thưởng"
        if result.vacant:
            line += f", {len(result.vacant)} giải để trống"
        if result.ties:
            line += f", {len(result.ties)} nhóm đồng hạng chờ Hội đồng"
        money = result.money_total()
        if money:
            line += f", tổng thưởng {format_money(money)}"
        say(line + f"; {len(units)} mẫu đơn vị, sổ tổng hợp, {len(written.docx)} văn bản")
    build_addin(out_dir / "add-in", when=when)  # the Excel add-in (thidua.xlam)
    say("Xong. Trong mỗi thư mục: ke-hoach.xlsx (kế hoạch viết bằng Excel), "
        "danh-sach-don-vi.xlsx (mẫu danh sách đơn vị), mau-don-vi/ "
        "(mẫu gửi từng đơn vị), nhan-ve/ (tệp đơn vị gửi về, có lỗi thường gặp), so-tong-hop.xlsx "
        f"(sổ tổng hợp sau khi tổng hợp, có trang «{REPORT_SHEET}»), bao-cao-tong-hop.csv, "
        "ket-qua.xlsx (điểm, cách tính, khen thưởng), van-ban/ (Tờ trình, Quyết định, Báo cáo "
        "kết quả dạng .docx); add-in/ (add-in Excel).")
    return 0
