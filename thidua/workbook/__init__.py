"""Standardized workbooks: unit templates and the office's master, with live formulas.

Formulas are printed from the plan's compiled program (``thidua.program.excel``), the
one the engine evaluates, and saved with the values they compute (``cached``); how
sheets print and how tall their rows are: ``paper``.
"""
