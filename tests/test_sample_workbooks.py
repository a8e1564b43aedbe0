"""sample_workbooks/ is what the README's main command produces today (never stale)."""
from pathlib import Path

from thidua.demo import run_demo

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sample_workbooks_are_up_to_date(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert run_demo(tmp_path, quiet=True) == 0
    fresh, kept = files(tmp_path), files(SAMPLES)
    hint = "sample_workbooks/ đã cũ: chạy «python3 tasks.py demo» rồi commit thư mục này"
    assert sorted(fresh) == sorted(kept), hint
    stale = [name for name in fresh if fresh[name] != kept[name]]
    assert not stale, f"{hint}; các tệp khác: {stale[:10]}"


def test_every_seed_plan_has_its_sample_files():
    from thidua.plan import builtin_ids
    for plan_dir in (SAMPLES / plan_id for plan_id in builtin_ids()):
        names = {p.name for p in plan_dir.iterdir()}
        assert {"danh-sach-don-vi.xlsx", "mau-don-vi", "so-tong-hop.xlsx", "ket-qua.xlsx",
                "ket-qua.json", "bao-cao-tong-hop.csv", "van-ban"} <= names
        assert list((plan_dir / "mau-don-vi").glob("*.xlsx"))
