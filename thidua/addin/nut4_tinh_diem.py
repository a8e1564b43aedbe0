"""Button «Tính điểm» of the ribbon: the add-in file ``thidua.addin.nut4_tinh_diem.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("tinh_diem")
