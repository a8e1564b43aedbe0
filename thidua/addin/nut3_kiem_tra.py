"""Button «Kiểm tra dữ liệu» of the ribbon: the add-in file ``thidua.addin.nut3_kiem_tra.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("kiem_tra")
