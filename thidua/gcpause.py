"""Pausing Python's cycle collector while a job builds many objects and no cycles.

The collector walks every live container each time enough new ones have been
made. Reading and scoring 100,000 units makes millions of small lists and
tuples (cells, explanations, reasons) that never refer to each other in
cycles, so those walks are pure overhead (a third of the run time). Jobs that
build object graphs with cycles (openpyxl workbooks) keep the collector on.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Run the block with the cycle collector off (switched back on after)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
