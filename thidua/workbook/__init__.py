"""Standardized workbooks: unit templates and the office's master, with live formulas.

Formulas come from the same rule definitions the engine evaluates
(``thidua.workbook.formulas``), never written twice by hand.
"""
