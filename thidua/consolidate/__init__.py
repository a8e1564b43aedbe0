"""Consolidating returned workbooks into the master.

Units return the template they were sent (by e-mail, Zalo…), filled in — or
re-saved, renamed, converted, damaged, protected, or not a spreadsheet at all.

* :mod:`thidua.consolidate.reader` reads one returned file safely and fast:
  ``read_returned(path, limits=Limits())`` gives a ``ReturnedFile`` (hidden
  metadata, the value typed in every input cell, formulas left on the input
  sheet, the unit shown on the sheet) or raises ``ReadFailure`` with a stable
  code and a Vietnamese message; never another exception, never a hang.
* :mod:`.collect` runs a consolidation: the folder, the files read on every core,
  the checks, the master written; :mod:`.receipts` keeps in the master what each
  file held, so a re-run reads only new or changed files.
* :mod:`.check_file` checks one file (whose, usable, structure, figures);
  :mod:`.check_units` works across files (one per unit, missing units, the plan's
  consistency checks, figures changed after appraisal, attachments).
* :mod:`.master_io` reads the master, :mod:`.master_write` writes it (changed in
  place when it is as the tool left it, else rebuilt), :mod:`.report` is the report's
  rows; :mod:`.legacy` decodes Vietnamese typed in TCVN3 or VNI; :mod:`.portal` and
  :mod:`.importstats` import the statistics portal's export.
"""
