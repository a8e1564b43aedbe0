"""Consolidating returned workbooks into the master.

Units return the template they were sent (by e-mail, Zalo…), filled in — or
re-saved, renamed, converted, damaged, protected, or not a spreadsheet at all.

* :mod:`thidua.consolidate.reader` reads one returned file safely and fast:
  ``read_returned(path, limits=Limits())`` gives a ``ReturnedFile`` (hidden
  metadata, the value typed in every input cell, formulas left on the input
  sheet, the unit shown on the sheet) or raises ``ReadFailure`` with a stable
  code and a Vietnamese message; never another exception, never a hang.
* :mod:`thidua.consolidate.legacy` recognises and decodes Vietnamese typed in
  the legacy TCVN3 (ABC) and VNI-Windows encodings.
* The other modules recognise each file's unit, check and merge the figures
  into the master, and report every problem.
"""
