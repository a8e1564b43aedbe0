"""Button «Xét khen thưởng» of the ribbon: the add-in file ``thidua.addin.nut5_xet_khen_thuong.xlam``.

xlwings' ribbon callback (``RibbonMyAddin.RunMain``) imports the module named
after its add-in file and calls its ``main()``.
"""
from thidua.addin import run_button


def main() -> None:
    run_button("xet_khen_thuong")
