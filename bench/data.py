"""Inputs for the benchmarks: realistic, seeded, cached between runs.

* :func:`units_csv` — a unit table for the Núi Thành plan as an office's
  spreadsheet saves it («CSV UTF-8»: byte-order mark, CRLF, Vietnamese
  thousands separators ``2.168``): communes, wards and towns (9 in 10) and
  district offices, plausible figures with a few units that sent nothing
  useful (0 dossiers) or figures that cannot be true.
"""
from __future__ import annotations

import numpy as np

from harness import CACHE

PREFIXES = ["Xã", "Phường", "Thị trấn"]
WORDS = ["Tam Xuân", "Tam Tiến", "Tam Hòa", "Tam Hải", "Tam Quang", "Tam Nghĩa", "Tam Mỹ Đông",
         "Tam Trà", "Tam Sơn", "Tam Thạnh", "Tam Anh Bắc", "Tam Giang", "Núi Thành", "Hòa Xuân",
         "Điện Bàn", "Quế Sơn", "Đại Lộc", "Thăng Bình", "Phú Ninh", "Tiên Phước", "Hiệp Đức",
         "Nông Sơn", "Bắc Trà My", "Nam Giang", "Đông Giang", "Phước Sơn"]
OFFICES = ["Phòng Nội vụ", "Phòng Tư pháp", "Phòng Tài chính – Kế hoạch", "Phòng Kinh tế",
           "Phòng Tài nguyên và Môi trường", "Phòng Văn hóa và Thông tin", "Phòng Y tế",
           "Phòng Giáo dục và Đào tạo", "Văn phòng HĐND và UBND", "Thanh tra huyện"]


def _vn(values: np.ndarray) -> list[str]:
    return [f"{v:,}".replace(",", ".") for v in values.tolist()]


def units_csv(n: int, seed: int = 2023):
    """Path of the cached table of ``n`` units (written on first use)."""
    path = CACHE / "score" / f"don-vi-{n}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    office = rng.random(n) < 0.1
    tong = rng.integers(0, 4000, n)
    tong[rng.random(n) < 0.01] = 0
    tt = np.floor(tong * rng.uniform(0.45, 1.0, n)).astype(int)
    dh = np.floor(tt * rng.uniform(0.85, 1.0, n)).astype(int)
    tre = np.floor(tong * rng.uniform(0, 0.08, n)).astype(int)
    wrong = rng.random(n) < 0.003  # figures that cannot be true (more on time than online)
    dh[wrong] = tt[wrong] + 1 + rng.integers(0, 20, wrong.sum())
    lines = ["ma_don_vi,ten_don_vi,nhom,cap,tong_giai_quyet,truc_tuyen_giai_quyet,"
             "truc_tuyen_dung_han,tre_han"]
    kinds = rng.integers(0, 3, n)
    words = rng.integers(0, len(WORDS), n)
    for i, (t, a, b, c) in enumerate(zip(_vn(tong), _vn(tt), _vn(dh), _vn(tre))):
        if office[i]:
            name = f"{OFFICES[i % len(OFFICES)]} {i}"
            code, group, level = f"CQ{i:06d}", "co_quan", "huyen"
        else:
            name = f"{PREFIXES[kinds[i]]} {WORDS[words[i]]} {i}"
            code, group, level = f"XA{i:06d}", "xa", "xa"
        lines.append(f"{code},{name},{group},{level},{t},{a},{b},{c}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    tmp.replace(path)
    return path


def master_payload(n: int, plan_id: str = "nui-thanh-dvc-2023", seed: int = 20261122):
    """Path of the payload xlwings' VBA client sends for a master of ``n`` units whose
    figures are filled in and whose formulas were computed by a spreadsheet program
    (LibreOffice), as Excel would send it (written on first use; minutes for 33,210)."""
    import json
    import random

    path = CACHE / "tinh-diem" / f"payload-{n}.json"
    if path.exists():
        return path
    from thidua.addin.payload import payload_from_xlsx
    from thidua.plan import load_plan
    from thidua.workbook.master import write_master
    from thidua.workbook.recalc import recalculate

    plan = load_plan(plan_id)
    rnd = random.Random(seed)
    records = []
    for i in range(n):
        office = i % 10 == 0
        total = rnd.randint(50, 3000)
        online = rnd.randint(total // 3, total)
        records.append({
            "ma_don_vi": f"{'CQ' if office else 'XA'}{i:05d}",
            "ten_don_vi": f"{rnd.choice(OFFICES) if office else rnd.choice(PREFIXES) + ' ' + rnd.choice(WORDS)} {i}",
            "nhom": "co_quan" if office else "xa", "cap": "huyen" if office else "xa",
            "tong_giai_quyet": total, "truc_tuyen_giai_quyet": online,
            "truc_tuyen_dung_han": rnd.randint(online * 3 // 4, online),
            "tre_han": rnd.randint(0, total // 20)})
    work = path.parent / f"work-{n}"
    work.mkdir(parents=True, exist_ok=True)
    master = write_master(plan, records, work / "so-tong-hop.xlsx", backup=False)
    computed = recalculate([master], work / "tinh-lai", timeout=3600)[0]
    payload = payload_from_xlsx(computed)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def _units(n: int, seed: int):
    """``n`` units of the Núi Thành plan (district offices 1 in 10), with their figures."""
    import random
    from dataclasses import dataclass

    @dataclass
    class Unit:
        code: str
        name: str
        group: str
        level: str

    rnd = random.Random(seed)
    units, figures = [], {}
    for i in range(n):
        office = i % 10 == 0
        name = (f"{rnd.choice(OFFICES)} {i}" if office
                else f"{rnd.choice(PREFIXES)} {rnd.choice(WORDS)} {i}")
        unit = Unit(f"{'CQ' if office else 'XA'}{i:05d}", name, "co_quan" if office else "xa",
                    "huyen" if office else "xa")
        total = rnd.randint(50, 3000)
        online = rnd.randint(total // 3, total)
        units.append(unit)
        figures[unit.code] = {"tong_giai_quyet": total, "truc_tuyen_giai_quyet": online,
                              "truc_tuyen_dung_han": rnd.randint(online * 3 // 4, online),
                              "tre_han": rnd.randint(0, total // 20)}
    return units, figures


def _fill(template: bytes, cells: dict[str, str], figures: dict[str, int]) -> bytes:
    """A template with figures typed into its input cells (what the unit's copy holds
    before its spreadsheet program saves it)."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/") and b"<c r=" in data:
                text = data.decode("utf-8")
                for code, cell in cells.items():
                    text, _ = re.subn(rf'(<c r="{cell}"[^>]*?)(?:/>|></c>)',
                                      lambda m, v=figures[code]: f"{m.group(1)}><v>{v}</v></c>",
                                      text, count=1)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    return out.getvalue()


def _resave(args) -> int:
    paths, out_dir = args
    from thidua.workbook.recalc import recalculate
    recalculate(paths, out_dir)
    return len(paths)


def returned_files(n: int, seed: int = 3321):
    """(folder of ``n`` returned files, units list csv, master) for the Núi Thành plan.

    Each unit's template (made by ``thidua generate``) is filled with its own
    figures and saved again by LibreOffice, as a unit's spreadsheet program saves
    the file it sends back; the master is the office's, made by ``thidua generate
    --master`` for the same units. Written on first use (LibreOffice re-saves about
    10 files a second on 2 cores: 6 minutes for 3,321 files, an hour for 33,210).
    """
    import datetime as dt
    import json
    import shutil
    import subprocess
    import sys
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    root = CACHE / "consolidate" / f"{n}"
    done = root / "done.json"
    if done.exists():
        return root / "Nhận về", root / "don-vi.csv", root / "so-tong-hop.xlsx"
    from thidua.plan import load_plan
    from thidua.workbook.generate import generate_templates
    from thidua.workbook.template import build_template

    plan = load_plan("nui-thanh-dvc-2023")
    units, figures = _units(n, seed)
    root.mkdir(parents=True, exist_ok=True)
    listing = root / "don-vi.csv"
    listing.write_text("ma_don_vi,ten_don_vi,nhom,cap\n" + "".join(
        f"{u.code},{u.name},{u.group},{u.level}\n" for u in units), encoding="utf-8")
    when = dt.datetime(2026, 1, 5, 8, 0)
    templates = generate_templates(plan, units, root / "mau", now=when, backup=False)
    _, layout = build_template(plan)
    filled = root / "dien"
    filled.mkdir(exist_ok=True)
    paths = []
    for unit, path in zip(units, templates):
        target = filled / path.name
        target.write_bytes(_fill(path.read_bytes(), layout.input_cells, figures[unit.code]))
        paths.append(target)
    inbox = root / "Nhận về"
    inbox.mkdir(exist_ok=True)
    half = (len(paths) + 1) // 2
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_resave, [(paths[:half], inbox), (paths[half:], inbox)]))
    master = root / "so-tong-hop.xlsx"
    subprocess.run([sys.executable, "-m", "thidua", "generate", "nui-thanh-dvc-2023", "--units",
                    str(listing), "--master", str(master)], check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parent.parent)
    shutil.rmtree(filled)
    shutil.rmtree(root / "mau")
    done.write_text(json.dumps({"n": n, "figures": figures}), encoding="utf-8")
    return inbox, listing, master
