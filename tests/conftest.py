"""Shared helpers: build unit tables for the seed plans as a user's file would."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thidua.plan import load_plan

PERFECT_002 = dict(  # every criterion of Hòa Thành at its maximum: 100 points
    ty_le_mot_cua_dien_tu=100, ty_le_truoc_han=5, co_quy_che_phoi_hop=1,
    co_ra_soat_don_gian_hoa=1, so_tthc_don_gian_hoa=5, co_ra_soat_thoi_gian=1,
    so_tthc_cat_giam_thoi_gian=5, co_de_xuat_cai_tien=1, so_phan_anh_dung=0, sang_kien=2,
    so_vi_pham_van_hoa=0, co_niem_yet=1, so_tthc_niem_yet_thieu=0, so_noi_dung_bo_tri_thieu=0,
    so_tin_truyen_thanh=4, so_tin_trang_ttdt=6, co_camera_hoac_dieu_hoa=0, co_wifi_mien_phi=0,
    so_phan_hoi_tre=0, so_bien_ban_nhac_nho=0, diem_thu_cong=np.nan)


def frame(plan, rows: list[dict]) -> pd.DataFrame:
    """A DataFrame as ``thidua.table`` produces it, from short row dicts."""
    records = []
    for i, row in enumerate(rows):
        row = dict(row)
        rec = {"ma_don_vi": row.pop("ma", f"U{i + 1:03d}"),
               "ten_don_vi": row.pop("ten", f"Đơn vị {i + 1}"),
               "nhom": row.pop("nhom", plan.groups[0].code),
               "cap": row.pop("cap", None)}
        if rec["cap"] is None:
            rec["cap"] = plan.group(rec["nhom"]).level or plan.levels[0]
        for inp in plan.inputs:
            rec[inp.code] = float(row.pop(inp.code, np.nan))
        for key, value in row.items():  # appraisal columns and extras
            rec[key] = value
        records.append(rec)
    return pd.DataFrame.from_records(records)


@pytest.fixture(scope="session")
def plan000():
    return load_plan("nui-thanh-dvc-2023")


@pytest.fixture(scope="session")
def plan002():
    return load_plan("hoa-thanh-cchc-2018")


def unit000(tong, tt, dh, tre, **kw):
    return dict(tong_giai_quyet=tong, truc_tuyen_giai_quyet=tt, truc_tuyen_dung_han=dh,
                tre_han=tre, **kw)


def unit002(**changes):
    row = dict(PERFECT_002)
    row.update(changes)
    return row
