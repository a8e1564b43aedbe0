"""The compiled form of a plan: one program of named cells, evaluated and printed.

* ``compile`` — plan → program (every cell an expression tree);
* ``evaluate`` — trees evaluated vectorised over all units (the engine's numbers);
* ``excel`` — the one Excel printer (the workbooks' formulas).

Submodules are imported directly (``from thidua.program.compile import compile_plan``).
"""
