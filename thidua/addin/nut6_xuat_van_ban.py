"""Button «Xuất văn bản» of the ribbon: the add-in file ``thidua.addin.nut6_xuat_van_ban.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("xuat_van_ban")
