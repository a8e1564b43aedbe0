"""Button «Tổng hợp» of the ribbon: the add-in file ``thidua.addin.nut2_tong_hop.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("tong_hop")
