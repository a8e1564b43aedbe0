"""Button «Tạo mẫu đơn vị» of the ribbon: the add-in file ``thidua.addin.nut1_tao_mau.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("tao_mau")
